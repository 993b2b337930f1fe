import { Module } from '@nestjs/common';
import { OidcClient } from './oidc-client.js';
import { OidcController } from './oidc.controller.js';
import { SsoService } from './sso.service.js';

/** Loaded only with OIDC_* configured; AuthModule (global) provides AuthService and SsoRepository. */
@Module({
  controllers: [OidcController],
  providers: [OidcClient, SsoService],
})
export class SsoModule {}
