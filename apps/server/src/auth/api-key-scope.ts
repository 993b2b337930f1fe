import { applyDecorators, CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiBearerAuth, ApiExtension, ApiForbiddenResponse } from '@nestjs/swagger';
import type { ApiKeyScope } from '@chat/contract';
import { AppException } from '../common/app-exception.js';
import type { AuthUser } from './auth.types.js';

const KEY_SCOPE = 'chat:api-key-scope';
/** The OpenAPI security scheme name for `Authorization: Bearer tck_…`. */
export const API_KEY_SECURITY = 'api-key';

/**
 * The scope an API key needs for this route. Routes without it refuse keys: a key can only do what
 * was opened to keys on purpose. Also documents the scope in OpenAPI (`x-api-key-scope`).
 */
export const KeyScope = (scope: ApiKeyScope) =>
  applyDecorators(
    SetMetadata(KEY_SCOPE, scope),
    ApiBearerAuth(API_KEY_SECURITY),
    ApiExtension('x-api-key-scope', scope),
    ApiForbiddenResponse({ description: `With an API key: the key lacks the \`${scope}\` scope or the room` }),
  );

/** 403 unless the caller is a person (session token) or a key with `scope`; `admin:read` also needs an admin owner. */
export function requireKeyScope(user: AuthUser, scope: ApiKeyScope): void {
  if (!user.apiKey) return;
  if (!user.apiKey.scopes.includes(scope)) throw AppException.forbidden(`This API key lacks the "${scope}" scope`);
  if (scope === 'admin:read' && user.role !== 'admin') throw AppException.forbidden('The key’s owner is no longer an admin');
}

/** 403 when the caller's key is limited to rooms that do not include `roomId`. */
export function requireKeyRoom(user: AuthUser, roomId: string): void {
  if (user.apiKey?.roomIds && !user.apiKey.roomIds.includes(roomId)) throw AppException.forbidden(`This API key is not allowed in room "${roomId}"`);
}

/** Runs after the authentication guard: keys pass only routes marked with their scope. */
@Injectable()
export class ApiKeyScopeGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const user = context.switchToHttp().getRequest<{ user?: AuthUser }>().user;
    if (!user?.apiKey) return true;
    const scope = this.reflector.getAllAndOverride<ApiKeyScope | undefined>(KEY_SCOPE, [context.getHandler(), context.getClass()]);
    if (!scope) throw AppException.forbidden('API keys cannot use this route; sign in as a person');
    requireKeyScope(user, scope);
    return true;
  }
}
