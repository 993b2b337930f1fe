import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { UserRole } from '@chat/contract';
import type { AuthUser } from './auth.types.js';

export const IS_PUBLIC = 'chat:public';
export const ROLES = 'chat:roles';

/** The route needs no token (login, docs, health). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** The route needs one of these roles. */
export const Roles = (...roles: UserRole[]) => SetMetadata(ROLES, roles);

export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthUser => context.switchToHttp().getRequest<{ user: AuthUser }>().user,
);
