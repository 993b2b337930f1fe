import type { UserRole } from '@chat/contract';

/** What every authenticated request or socket knows about its caller. */
export interface AuthUser {
  id: string;
  username: string;
  displayName: string;
  role: UserRole;
}

export interface JwtClaims {
  sub: string;
  username: string;
  role: UserRole;
  iat: number;
  exp: number;
}
