import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { AuditAction, AuditEntry, AuditTargetType } from '@chat/contract';

/** What a caller records; the table assigns `id` and `at`. */
export type AuditRow = Omit<AuditEntry, 'id' | 'at'>;

export interface AuditFilter {
  action?: AuditAction;
  actorId?: string;
  roomId?: string;
  from?: Date;
  to?: Date;
  /** An entry id: only older entries. */
  before?: string;
  limit: number;
}

interface DbRow {
  id: string;
  at: Date;
  action: AuditAction;
  actor_id: string | null;
  actor_username: string | null;
  target_type: AuditTargetType | null;
  target_id: string | null;
  room_id: string | null;
  ip: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
}

const toEntry = (row: DbRow): AuditEntry => ({
  id: String(row.id),
  at: new Date(row.at).toISOString(),
  action: row.action,
  actorId: row.actor_id,
  actorUsername: row.actor_username,
  targetType: row.target_type,
  targetId: row.target_id,
  roomId: row.room_id,
  ip: row.ip,
  requestId: row.request_id,
  details: row.details,
});

/** SQL on audit_log. Inserts take the caller's EntityManager, so an entry commits or rolls back with its change. */
@Injectable()
export class AuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(manager: EntityManager, row: AuditRow): Promise<void> {
    await manager.query(
      `INSERT INTO audit_log (action, actor_id, actor_username, target_type, target_id, room_id, ip, request_id, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [row.action, row.actorId, row.actorUsername, row.targetType, row.targetId, row.roomId, row.ip, row.requestId, JSON.stringify(row.details)],
    );
  }

  /** Newest first; one row more than asked says whether there is another page. */
  async page(filter: AuditFilter): Promise<{ entries: AuditEntry[]; hasMore: boolean }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.action) add('action = ?', filter.action);
    if (filter.actorId) add('actor_id = ?', filter.actorId);
    if (filter.roomId) add('room_id = ?', filter.roomId);
    if (filter.from) add('at >= ?', filter.from.toISOString());
    if (filter.to) add('at < ?', filter.to.toISOString());
    if (filter.before) add('id < ?::bigint', filter.before);
    params.push(filter.limit + 1);
    const rows: DbRow[] = await this.dataSource.query(
      `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
    return { entries: rows.slice(0, filter.limit).map(toEntry), hasMore: rows.length > filter.limit };
  }

  /** The one deletion the append-only trigger lets through, for this transaction only. */
  async pruneOlderThan(days: number): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT set_config('chat.audit_pruning', 'on', true)`);
      const [, count]: [unknown, number] = await manager.query(`DELETE FROM audit_log WHERE at < now() - make_interval(days => $1)`, [days]);
      return count;
    });
  }
}
