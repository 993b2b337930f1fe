import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ApiKeyStrategy, isApiKey } from '../auth/api-key.strategy.js';
import { requireKeyScope } from '../auth/api-key-scope.js';
import { AuthService, bearerToken } from '../auth/auth.service.js';
import type { AuthUser } from '../auth/auth.types.js';

/**
 * For connections that outlive their request check (event streams): the caller's credential is
 * verified again, so a revoked key, a sign-out, a disabled account or an expiry ends them.
 */
@Injectable()
export class CallerReauthentication {
  constructor(
    private readonly auth: AuthService,
    private readonly apiKeys: ApiKeyStrategy,
  ) {}

  of(request: Request): () => Promise<AuthUser> {
    const token = bearerToken(request.headers.authorization);
    return async () => {
      const user = isApiKey(token) ? await this.apiKeys.verify(token) : (await this.auth.verify(token)).user;
      requireKeyScope(user, 'messages:read');
      return user;
    };
  }
}
