import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/** The tables of single sign-on: provider identities linked to accounts, and one-time sign-in codes. */
@Injectable()
export class SsoRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The account linked to this issuer + subject, noting the sign-in. */
  async touchIdentity(issuer: string, subject: string): Promise<string | null> {
    const [rows] = (await this.dataSource.query(
      `UPDATE user_identities SET last_sign_in_at = now() WHERE issuer = $1 AND subject = $2 RETURNING user_id`,
      [issuer, subject],
    )) as [{ user_id: string }[], number];
    return rows[0]?.user_id ?? null;
  }

  async link(manager: EntityManager, issuer: string, subject: string, userId: string): Promise<void> {
    await manager.query(`INSERT INTO user_identities (issuer, subject, user_id) VALUES ($1, $2, $3)`, [issuer, subject, userId]);
  }

  /** Whether an enabled admin signs in through a provider: then the bootstrap admin's password is retired. */
  async ssoAdminExists(): Promise<boolean> {
    const rows: { exists: boolean }[] = await this.dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM users u JOIN user_identities i ON i.user_id = u.id WHERE u.role = 'admin' AND NOT u.disabled) AS exists`,
    );
    return rows[0]?.exists ?? false;
  }

  async hasIdentity(manager: EntityManager, userId: string): Promise<boolean> {
    const rows: unknown[] = await manager.query(`SELECT 1 FROM user_identities WHERE user_id = $1 LIMIT 1`, [userId]);
    return rows.length > 0;
  }

  /** Stores a code's hash; expired codes of anyone go at the same time, so the table stays small. */
  async saveCode(codeHash: string, userId: string, ttlMs: number): Promise<void> {
    await this.dataSource.query(`DELETE FROM sign_in_codes WHERE expires_at < now()`);
    await this.dataSource.query(`INSERT INTO sign_in_codes (code_hash, user_id, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')`, [
      codeHash,
      userId,
      ttlMs,
    ]);
  }

  /** Deleting is the use: a second exchange of the same code, on any instance, finds nothing. */
  async consumeCode(codeHash: string): Promise<string | null> {
    const [rows] = (await this.dataSource.query(`DELETE FROM sign_in_codes WHERE code_hash = $1 AND expires_at > now() RETURNING user_id`, [codeHash])) as [
      { user_id: string }[],
      number,
    ];
    return rows[0]?.user_id ?? null;
  }
}
