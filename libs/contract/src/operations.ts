import type { UserRole, UserView } from './models.js';

/** Everything the audit log records; the list is the contract, so consoles can offer it as a filter. */
export const AUDIT_ACTIONS = [
  'auth.login',
  'auth.login_failed',
  'auth.logout',
  'auth.password_changed',
  'user.created',
  'user.updated',
  'room.created',
  'room.updated',
  'room.member_added',
  'room.member_removed',
  'knowledge.uploaded',
  'knowledge.deleted',
  'ai.cancelled',
  'quota.updated',
  'api_key.created',
  'api_key.revoked',
  'webhook.created',
  'webhook.updated',
  'webhook.deleted',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export type AuditTargetType = 'user' | 'room' | 'knowledge_document' | 'message' | 'quota' | 'api_key' | 'webhook';

/** Who did something: a signed-in user (or, for a failed login, the name that was tried). */
export interface AuditActorRef {
  id: string | null;
  username: string | null;
}

export interface AuditEntry {
  /** Increasing; the cursor for `before`. */
  id: string;
  at: string;
  action: AuditAction;
  actorId: string | null;
  actorUsername: string | null;
  targetType: AuditTargetType | null;
  targetId: string | null;
  roomId: string | null;
  ip: string | null;
  requestId: string | null;
  /** What changed: for updates `{field: {old, new}}`; never passwords or message text. */
  details: Record<string, unknown>;
}

export interface AuditPage {
  entries: AuditEntry[];
  hasMore: boolean;
}

export const AUDIT_PAGE_DEFAULT = 50;
export const AUDIT_PAGE_MAX = 200;

/** A token budget: prompt + completion tokens per UTC day and per UTC month; null is unlimited. */
export interface TokenBudget {
  dailyTokens: number | null;
  monthlyTokens: number | null;
}

export interface RoleQuota extends TokenBudget {
  role: UserRole;
}

export interface UserQuota extends TokenBudget {
  userId: string;
  username: string;
  displayName: string;
}

/** `GET /api/admin/quotas`: every role (unset: unlimited) and every user with an own setting, which wins over the role's. */
export interface QuotasView {
  roles: RoleQuota[];
  users: UserQuota[];
}

export interface QuotaWindow {
  /** Null: unlimited. */
  limit: number | null;
  used: number;
  /** ISO 8601: the next UTC midnight (daily) or first of the month (monthly). */
  resetsAt: string;
}

export interface QuotaStatus {
  daily: QuotaWindow;
  monthly: QuotaWindow;
}

/** `GET /api/auth/me`. */
export interface MeResponse extends UserView {
  quota: QuotaStatus;
}

/** Largest budget an admin may set (fits a JavaScript number and a Postgres bigint). */
export const TOKEN_BUDGET_MAX = 1_000_000_000_000;
