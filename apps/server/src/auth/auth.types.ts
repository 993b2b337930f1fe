import type { ApiKeyScope, UserRole } from '@chat/contract';

/** What an API key limits its caller to (on top of the owner's own rights, which still apply). */
export interface ApiKeyGrant {
  id: string;
  scopes: ApiKeyScope[];
  /** Null: every room the owner may use. */
  roomIds: string[] | null;
  /** Epoch seconds; null: never. */
  expiresAt: number | null;
}

/** What every authenticated request or socket knows about its caller. */
export interface AuthUser {
  id: string;
  username: string;
  displayName: string;
  role: UserRole;
  mustChangePassword?: boolean;
  /** Set when the caller authenticated with an API key rather than a session token. */
  apiKey?: ApiKeyGrant;
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
