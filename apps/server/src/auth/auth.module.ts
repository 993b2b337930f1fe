import { Global, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { QuotasModule } from '../quotas/quotas.module.js';
import { UsersModule } from '../users/users.module.js';
import { AuthController } from './auth.controller.js';
import { JwtAuthGuard, RolesGuard } from './auth.guards.js';
import { AuthService } from './auth.service.js';
import { ApiKeyScopeGuard } from './api-key-scope.js';
import { ApiKeyStrategy } from './api-key.strategy.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { SsoRepository } from './oidc/sso.repository.js';

@Global()
@Module({
  imports: [
    UsersModule,
    QuotasModule,
    JwtModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ secret: config.jwtSecret, signOptions: { algorithm: 'HS256' } }),
    }),
  ],
  controllers: [AuthController],
  providers: [AuthService, SsoRepository, JwtAuthGuard, RolesGuard, ApiKeyStrategy, ApiKeysRepository, ApiKeyScopeGuard],
  exports: [AuthService, SsoRepository, JwtAuthGuard, RolesGuard, ApiKeyStrategy, ApiKeysRepository, ApiKeyScopeGuard],
})
export class AuthModule {}
