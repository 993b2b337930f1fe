import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { WebhookAttempt, WebhookDeliveryStatus, WebhookDeliveryView, WebhookEvent, WebhookView } from '@chat/contract';

interface WebhookRow {
  id: string;
  owner_id: string;
  url: string;
  events: WebhookEvent[];
  room_id: string | null;
  created_at: Date;
  updated_at: Date;
  disabled_at: Date | null;
  disabled_reason: string | null;
}

interface DeliveryRow {
  id: string;
  webhook_id: string;
  type: WebhookDeliveryView['type'];
  status: WebhookDeliveryStatus;
  attempts: WebhookAttempt[];
  next_attempt_at: Date | null;
  created_at: Date;
}

export interface NewDelivery {
  webhookId: string;
  eventId: string;
  type: WebhookDeliveryView['type'];
  body: string;
}

/** A delivery an instance has claimed: it alone sends it until the lease ends. */
export interface ClaimedDelivery {
  id: string;
  webhookId: string;
  type: string;
  body: string;
  /** Attempts made before this one. */
  attemptsBefore: number;
  url: string;
  secret: string;
  ownerId: string;
}

/** The hooks an event may go to, as the dispatcher matches them. */
export interface HookTarget {
  id: string;
  events: WebhookEvent[];
  roomId: string | null;
  createdAt: Date;
}

const HOOK_COLUMNS = 'w.id, w.owner_id, w.url, w.events, w.room_id, w.created_at, w.updated_at, w.disabled_at, w.disabled_reason';
const iso = (value: Date | null) => (value ? new Date(value).toISOString() : null);

function toView(row: WebhookRow): WebhookView {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    roomId: row.room_id,
    ownerId: row.owner_id,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    disabledAt: iso(row.disabled_at),
    disabledReason: row.disabled_reason,
  };
}

function toDeliveryView(row: DeliveryRow): WebhookDeliveryView {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    type: row.type,
    status: row.status,
    createdAt: new Date(row.created_at).toISOString(),
    nextAttemptAt: iso(row.next_attempt_at),
    attempts: row.attempts,
  };
}

/** SQL on webhooks and their delivery queue. */
@Injectable()
export class WebhooksRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(hook: { ownerId: string; url: string; events: WebhookEvent[]; roomId: string | null; secret: string }): Promise<WebhookView> {
    const [row] = await this.dataSource.query<WebhookRow[]>(
      `INSERT INTO webhooks AS w (owner_id, url, events, room_id, secret) VALUES ($1, $2, $3, $4, $5) RETURNING ${HOOK_COLUMNS}`,
      [hook.ownerId, hook.url, hook.events, hook.roomId, hook.secret],
    );
    return toView(row);
  }

  /** Null `ownerId`: any owner's (admins). */
  async find(id: string, ownerId: string | null): Promise<WebhookView | null> {
    const rows = await this.dataSource.query<WebhookRow[]>(`SELECT ${HOOK_COLUMNS} FROM webhooks w WHERE w.id = $1 AND ($2::uuid IS NULL OR w.owner_id = $2)`, [id, ownerId]);
    return rows[0] ? toView(rows[0]) : null;
  }

  async list(ownerId: string | null): Promise<WebhookView[]> {
    const rows = await this.dataSource.query<WebhookRow[]>(`SELECT ${HOOK_COLUMNS} FROM webhooks w WHERE $1::uuid IS NULL OR w.owner_id = $1 ORDER BY w.created_at, w.id`, [ownerId]);
    return rows.map(toView);
  }

  async update(id: string, changes: { url?: string; events?: WebhookEvent[]; enable?: boolean }): Promise<WebhookView> {
    const [rows] = (await this.dataSource.query(
      `UPDATE webhooks w SET url = coalesce($2, url), events = coalesce($3, events), updated_at = now(),
              disabled_at = CASE WHEN $4::boolean THEN NULL ELSE disabled_at END,
              disabled_reason = CASE WHEN $4::boolean THEN NULL ELSE disabled_reason END
       WHERE w.id = $1 RETURNING ${HOOK_COLUMNS}`,
      [id, changes.url ?? null, changes.events ?? null, changes.enable === true],
    )) as [WebhookRow[], number];
    return toView(rows[0]);
  }

  async delete(id: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM webhooks WHERE id = $1`, [id]);
  }

  async deliveries(webhookId: string, limit: number): Promise<WebhookDeliveryView[]> {
    const rows = await this.dataSource.query<DeliveryRow[]>(
      `SELECT id, webhook_id, type, status, attempts, next_attempt_at, created_at FROM webhook_deliveries
       WHERE webhook_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
      [webhookId, limit],
    );
    return rows.map(toDeliveryView);
  }

  async delivery(id: string): Promise<WebhookDeliveryView> {
    const [row] = await this.dataSource.query<DeliveryRow[]>(
      `SELECT id, webhook_id, type, status, attempts, next_attempt_at, created_at FROM webhook_deliveries WHERE id = $1`,
      [id],
    );
    return toDeliveryView(row);
  }

  /**
   * Enabled hooks whose owner may still read what they would receive: an enabled admin, or for a
   * room's hook an owner who can still enter the room (rooms.repository's canEnter, as SQL). A hook
   * whose owner lost the room (or the admin role) stays but receives nothing.
   */
  async enabledTargets(manager: EntityManager = this.dataSource.manager): Promise<HookTarget[]> {
    const rows = await manager.query<{ id: string; events: WebhookEvent[]; room_id: string | null; created_at: Date }[]>(
      `SELECT w.id, w.events, w.room_id, w.created_at FROM webhooks w
       JOIN users u ON u.id = w.owner_id
       LEFT JOIN rooms r ON r.id = w.room_id
       WHERE w.disabled_at IS NULL AND NOT u.disabled
         AND (u.role = 'admin' OR (w.room_id IS NOT NULL AND (r.visibility = 'public'
              OR EXISTS (SELECT 1 FROM room_members m WHERE m.room_id = w.room_id AND m.user_id = w.owner_id))))`,
    );
    return rows.map((row) => ({ id: row.id, events: row.events, roomId: row.room_id, createdAt: new Date(row.created_at) }));
  }

  /** Queues deliveries; the same event twice for one hook is stored once. Returns the new ids. */
  async enqueue(deliveries: NewDelivery[], manager: EntityManager = this.dataSource.manager): Promise<string[]> {
    if (deliveries.length === 0) return [];
    const rows = await manager.query<{ id: string }[]>(
      `INSERT INTO webhook_deliveries (webhook_id, event_id, type, body)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[])
       ON CONFLICT (webhook_id, event_id) DO NOTHING RETURNING id`,
      [deliveries.map((d) => d.webhookId), deliveries.map((d) => d.eventId), deliveries.map((d) => d.type), deliveries.map((d) => d.body)],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Takes up to `limit` due deliveries of enabled hooks for this instance: SKIP LOCKED lets several
   * instances claim at once without waiting on or taking each other's rows, and the lease (moving
   * next_attempt_at forward) keeps them away until this attempt is recorded. An instance killed
   * mid-send leaves the lease to run out, and another instance retries: at least once.
   */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const [rows] = (await this.dataSource.query(
      `UPDATE webhook_deliveries d SET next_attempt_at = now() + make_interval(secs => $2::double precision / 1000)
       FROM (
         SELECT d2.id FROM webhook_deliveries d2 JOIN webhooks w2 ON w2.id = d2.webhook_id
         WHERE d2.status = 'pending' AND d2.next_attempt_at <= now() AND w2.disabled_at IS NULL
         ORDER BY d2.next_attempt_at LIMIT $1 FOR UPDATE OF d2 SKIP LOCKED
       ) due, webhooks w
       WHERE d.id = due.id AND w.id = d.webhook_id
       RETURNING d.id, d.webhook_id, d.type, d.body, jsonb_array_length(d.attempts) AS attempts_before, w.url, w.secret, w.owner_id`,
      [limit, leaseMs],
    )) as [{ id: string; webhook_id: string; type: string; body: string; attempts_before: number; url: string; secret: string; owner_id: string }[], number];
    return rows.map((row) => ({
      id: row.id,
      webhookId: row.webhook_id,
      type: row.type,
      body: row.body,
      attemptsBefore: Number(row.attempts_before),
      url: row.url,
      secret: row.secret,
      ownerId: row.owner_id,
    }));
  }

  /** Records an attempt: delivered, retried after `retryInMs`, or (null) failed for good. */
  async recordAttempt(id: string, attempt: WebhookAttempt, outcome: { delivered: true } | { delivered: false; retryInMs: number | null }): Promise<void> {
    const status: WebhookDeliveryStatus = outcome.delivered ? 'delivered' : outcome.retryInMs === null ? 'failed' : 'pending';
    const retryInMs = outcome.delivered ? null : outcome.retryInMs;
    await this.dataSource.query(
      `UPDATE webhook_deliveries SET attempts = attempts || jsonb_build_array($2::jsonb), status = $3,
              next_attempt_at = CASE WHEN $4::double precision IS NULL THEN NULL ELSE now() + make_interval(secs => $4::double precision / 1000) END
       WHERE id = $1`,
      [id, JSON.stringify(attempt), status, retryInMs],
    );
  }

  /** Removes finished (delivered or failed) deliveries older than `days`; pending ones always stay. */
  async pruneFinished(days: number): Promise<number> {
    const [, removed] = (await this.dataSource.query(
      `DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < now() - make_interval(days => $1)`,
      [days],
    )) as [unknown, number];
    return removed;
  }

  /** Disables the hook unless it already is; true when this call did. */
  async disable(id: string, reason: string): Promise<boolean> {
    const [rows] = (await this.dataSource.query(
      `UPDATE webhooks SET disabled_at = now(), disabled_reason = $2, updated_at = now() WHERE id = $1 AND disabled_at IS NULL RETURNING id`,
      [id, reason],
    )) as [unknown[], number];
    return rows.length > 0;
  }

  /**
   * Runs `work` holding the dispatcher's lock and its cursor, or not at all when another instance
   * holds it (a try-lock: nobody queues behind it). The cursor moves in the same transaction as
   * the deliveries it produced, so each change is turned into deliveries exactly once.
   */
  async withDispatchCursor(work: (manager: EntityManager, cursor: { txId: bigint; id: bigint }) => Promise<{ txId: bigint; id: bigint } | null>): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const [{ locked }] = await manager.query<{ locked: boolean }[]>(`SELECT pg_try_advisory_xact_lock(hashtext('webhook-dispatch')) AS locked`);
      if (!locked) return false;
      const [row] = await manager.query<{ tx_id: string; id: string }[]>(`SELECT tx_id, id FROM webhook_dispatch_cursor`);
      const next = await work(manager, { txId: BigInt(row.tx_id), id: BigInt(row.id) });
      if (next) await manager.query(`UPDATE webhook_dispatch_cursor SET tx_id = $1, id = $2`, [next.txId.toString(), next.id.toString()]);
      return true;
    });
  }
}
