import type { ChatMessage } from './models.js';

/** What an API key may do; a key never holds more than its owner may do, checked at creation and at every use. */
export const API_KEY_SCOPES = ['rooms:read', 'messages:read', 'messages:write', 'knowledge:read', 'knowledge:write', 'admin:read'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** Every key starts with this, so a leaked one is easy to recognise (and to scan for). */
export const API_KEY_PREFIX = 'tck_';

export interface CreateApiKeyRequest {
  name: string;
  scopes: ApiKeyScope[];
  /** Only these rooms; omitted or null: every room the owner may use. */
  roomIds?: string[] | null;
  /** ISO 8601; omitted: never expires (revoke it instead). */
  expiresAt?: string | null;
}

export interface ApiKeyView {
  id: string;
  name: string;
  /** The first characters of the key, for telling keys apart; never enough to use it. */
  prefix: string;
  scopes: ApiKeyScope[];
  roomIds: string[] | null;
  expiresAt: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  userId: string;
}

/** Only the creation answer carries the key itself; it is never shown again. */
export interface CreatedApiKey extends ApiKeyView {
  key: string;
}

export const CHANGE_TYPES = ['message.created', 'message.updated', 'message.deleted'] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

export interface ChangeEntry {
  /** Opaque; pass it as `since` (or `Last-Event-ID`) to get what came after. */
  cursor: string;
  type: ChangeType;
  roomId: string;
  /** The message in the REST history's shape, as this change left it. */
  message: ChatMessage;
}

export interface ChangesPage {
  changes: ChangeEntry[];
  /** The cursor to ask with next time (also when `changes` is empty). */
  next: string;
  hasMore: boolean;
}

export const CHANGES_PAGE_DEFAULT = 100;
export const CHANGES_PAGE_MAX = 500;

export const WEBHOOK_EVENTS = ['message.created', 'message.updated', 'message.deleted', 'ai.reply.completed'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
/** Sent by `POST /api/webhooks/:id/test` only; hooks cannot subscribe to it. */
export const WEBHOOK_TEST_EVENT = 'webhook.test';

export interface CreateWebhookRequest {
  url: string;
  events: WebhookEvent[];
  /** Null or omitted: every room (admins only). */
  roomId?: string | null;
}

export interface UpdateWebhookRequest {
  url?: string;
  events?: WebhookEvent[];
  /** true re-enables a hook disabled after repeated failures. */
  enabled?: boolean;
}

export interface WebhookView {
  id: string;
  url: string;
  events: WebhookEvent[];
  roomId: string | null;
  ownerId: string;
  createdAt: string;
  updatedAt: string;
  /** Set when the hook was disabled after its deliveries kept failing. */
  disabledAt: string | null;
  disabledReason: string | null;
}

/** Only the creation answer carries the signing secret. */
export interface CreatedWebhook extends WebhookView {
  secret: string;
}

export interface WebhookAttempt {
  at: string;
  /** Null when no HTTP answer came (timeout, refused address, connection error). */
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDeliveryView {
  id: string;
  webhookId: string;
  type: WebhookEvent | typeof WEBHOOK_TEST_EVENT;
  status: WebhookDeliveryStatus;
  createdAt: string;
  nextAttemptAt: string | null;
  attempts: WebhookAttempt[];
}

/** The JSON body of every delivery. */
export interface WebhookBody {
  /** The event's id: the same for every hook and every retry of it. */
  id: string;
  type: WebhookEvent | typeof WEBHOOK_TEST_EVENT;
  createdAt: string;
  data: { roomId: string | null; message?: ChatMessage; webhookId?: string };
}

export interface WebhookDisabledPayload {
  webhookId: string;
  url: string;
  reason: string;
}
