import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RoomsModule } from '../rooms/rooms.module.js';
import { UserEntity } from '../users/user.entity.js';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysService } from './api-keys.service.js';
import { CallerReauthentication } from './caller-reauthentication.js';
import { ChangesController } from './changes.controller.js';
import { ChangesRepository } from './changes.repository.js';
import { ChangesService } from './changes.service.js';
import { WebhookDelivery } from './webhook-delivery.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksRepository } from './webhooks.repository.js';
import { WebhooksService } from './webhooks.service.js';

/** What integrators use: API keys, the changes feed and its event stream, webhooks. */
@Module({
  imports: [TypeOrmModule.forFeature([UserEntity]), RoomsModule],
  controllers: [ApiKeysController, ChangesController, WebhooksController],
  providers: [ApiKeysService, CallerReauthentication, ChangesRepository, ChangesService, WebhooksRepository, WebhooksService, WebhookDelivery],
  exports: [WebhookDelivery, ChangesService],
})
export class IntegrationsModule {}
