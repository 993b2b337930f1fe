import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ApiKeyScope, ApiKeyView } from '@chat/contract';
import type { UserEntity } from '../users/user.entity.js';

interface ApiKeyRow {
  id: string;
  user_id: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  room_ids: string[] | null;
  expires_at: Date | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface StoredApiKey {
  view: ApiKeyView;
  revokedAt: Date | null;
  owner: Pick<UserEntity, 'id' | 'username' | 'displayName' | 'role' | 'disabled' | 'mustChangePassword'>;
}

export interface NewApiKey {
  userId: string;
  name: string;
  keyHash: Buffer;
  prefix: string;
  scopes: ApiKeyScope[];
  roomIds: string[] | null;
  expiresAt: Date | null;
}

const COLUMNS = 'k.id, k.user_id, k.name, k.prefix, k.scopes, k.room_ids, k.expires_at, k.created_at, k.last_used_at, k.revoked_at';

function toView(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    roomIds: row.room_ids,
    expiresAt: row.expires_at ? new Date(row.expires_at).toISOString() : null,
    createdAt: new Date(row.created_at).toISOString(),
    lastUsedAt: row.last_used_at ? new Date(row.last_used_at).toISOString() : null,
    userId: row.user_id,
  };
}

/** SQL on api_keys. */
@Injectable()
export class ApiKeysRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(key: NewApiKey): Promise<ApiKeyView> {
    const [row] = await this.dataSource.query<ApiKeyRow[]>(
      `INSERT INTO api_keys AS k (user_id, name, key_hash, prefix, scopes, room_ids, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [key.userId, key.name, key.keyHash, key.prefix, key.scopes, key.roomIds, key.expiresAt],
    );
    return toView(row);
  }

  /** The key and its owner, by the key's hash; revoked and expired keys too, so the caller can say which. */
  async findByHash(keyHash: Buffer): Promise<StoredApiKey | null> {
    const rows = await this.dataSource.query<(ApiKeyRow & { username: string; display_name: string; role: UserEntity['role']; disabled: boolean; must_change_password: boolean })[]>(
      `SELECT ${COLUMNS}, u.username, u.display_name, u.role, u.disabled, u.must_change_password
       FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = $1`,
      [keyHash],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      view: toView(row),
      revokedAt: row.revoked_at,
      owner: { id: row.user_id, username: row.username, displayName: row.display_name, role: row.role, disabled: row.disabled, mustChangePassword: row.must_change_password },
    };
  }

  /** Still usable: not revoked, not expired, owner enabled. For long-lived streams that re-check as they go. */
  async isUsable(id: string): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      `SELECT 1 FROM api_keys k JOIN users u ON u.id = k.user_id
       WHERE k.id = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now()) AND NOT u.disabled`,
      [id],
    );
    return rows.length > 0;
  }

  async listActive(userId: string): Promise<ApiKeyView[]> {
    const rows = await this.dataSource.query<ApiKeyRow[]>(
      `SELECT ${COLUMNS} FROM api_keys k WHERE k.user_id = $1 AND k.revoked_at IS NULL ORDER BY k.created_at, k.id`,
      [userId],
    );
    return rows.map(toView);
  }

  /** Revokes the key when `userId` (null: anyone's, for admins) owns it; false when there is no such live key. */
  async revoke(id: string, userId: string | null): Promise<boolean> {
    const [rows] = (await this.dataSource.query(
      `UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR user_id = $2) RETURNING id`,
      [id, userId],
    )) as [unknown[], number];
    return rows.length > 0;
  }

  /** At most one write per key per minute however busy it is (the WHERE also keeps other instances from repeating it). */
  async touch(id: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [id],
    );
  }
}
