import type { UserRole } from '@chat/contract';

/** What every authenticated request or socket knows about its caller. */
export interface AuthUser {
  id: string;
  username: string;
  displayName: string;
  role: UserRole;
  mustChangePassword?: boolean;
}

export interface JwtClaims {
  sub: string;
  username: string;
  role: UserRole;
  /** The account's token version when issued; a bump (logout, password change) revokes the token. */
  ver?: number;
  iat: number;
  exp: number;
}
