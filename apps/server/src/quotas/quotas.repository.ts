import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { RoleQuota, TokenBudget, UserQuota, UserRole } from '@chat/contract';

export interface BudgetSources {
  role: UserRole;
  /** Null when the user has no setting of their own. */
  own: TokenBudget | null;
  roleBudget: TokenBudget | null;
}

type BudgetRow = { daily_tokens: string | null; monthly_tokens: string | null };
const toBudget = (row: BudgetRow): TokenBudget => ({
  dailyTokens: row.daily_tokens === null ? null : Number(row.daily_tokens),
  monthlyTokens: row.monthly_tokens === null ? null : Number(row.monthly_tokens),
});

/** SQL on the token budgets. In PostgreSQL, so every instance reads the same ones. */
@Injectable()
export class QuotasRepository {
  constructor(private readonly dataSource: DataSource) {}

  async roles(): Promise<RoleQuota[]> {
    const rows: (BudgetRow & { role: UserRole })[] = await this.dataSource.query(`SELECT role, daily_tokens, monthly_tokens FROM role_token_quotas ORDER BY role`);
    return rows.map((row) => ({ role: row.role, ...toBudget(row) }));
  }

  async users(): Promise<UserQuota[]> {
    const rows: (BudgetRow & { user_id: string; username: string; display_name: string })[] = await this.dataSource.query(
      `SELECT q.user_id, u.username, u.display_name, q.daily_tokens, q.monthly_tokens
       FROM user_token_quotas q JOIN users u ON u.id = q.user_id ORDER BY lower(u.username)`,
    );
    return rows.map((row) => ({ userId: row.user_id, username: row.username, displayName: row.display_name, ...toBudget(row) }));
  }

  /** The user's own budget and their role's; null when there is no such user. */
  async sourcesFor(userId: string): Promise<BudgetSources | null> {
    const rows: { role: UserRole; own: boolean; u_daily: string | null; u_monthly: string | null; r: boolean; r_daily: string | null; r_monthly: string | null }[] =
      await this.dataSource.query(
        `SELECT u.role, uq.user_id IS NOT NULL AS own, uq.daily_tokens AS u_daily, uq.monthly_tokens AS u_monthly,
                rq.role IS NOT NULL AS r, rq.daily_tokens AS r_daily, rq.monthly_tokens AS r_monthly
         FROM users u
         LEFT JOIN user_token_quotas uq ON uq.user_id = u.id
         LEFT JOIN role_token_quotas rq ON rq.role = u.role
         WHERE u.id = $1`,
        [userId],
      );
    const row = rows[0];
    if (!row) return null;
    return {
      role: row.role,
      own: row.own ? toBudget({ daily_tokens: row.u_daily, monthly_tokens: row.u_monthly }) : null,
      roleBudget: row.r ? toBudget({ daily_tokens: row.r_daily, monthly_tokens: row.r_monthly }) : null,
    };
  }

  async userName(userId: string): Promise<{ username: string; displayName: string } | null> {
    const rows: { username: string; display_name: string }[] = await this.dataSource.query(`SELECT username, display_name FROM users WHERE id = $1`, [userId]);
    return rows[0] ? { username: rows[0].username, displayName: rows[0].display_name } : null;
  }

  /** Returns the budget it replaced (null: none was set). */
  async putRole(manager: EntityManager, role: UserRole, budget: TokenBudget): Promise<TokenBudget | null> {
    const before: BudgetRow[] = await manager.query(`SELECT daily_tokens, monthly_tokens FROM role_token_quotas WHERE role = $1 FOR UPDATE`, [role]);
    await manager.query(
      `INSERT INTO role_token_quotas (role, daily_tokens, monthly_tokens) VALUES ($1, $2, $3)
       ON CONFLICT (role) DO UPDATE SET daily_tokens = EXCLUDED.daily_tokens, monthly_tokens = EXCLUDED.monthly_tokens, updated_at = now()`,
      [role, budget.dailyTokens, budget.monthlyTokens],
    );
    return before[0] ? toBudget(before[0]) : null;
  }

  async putUser(manager: EntityManager, userId: string, budget: TokenBudget): Promise<TokenBudget | null> {
    const before: BudgetRow[] = await manager.query(`SELECT daily_tokens, monthly_tokens FROM user_token_quotas WHERE user_id = $1 FOR UPDATE`, [userId]);
    await manager.query(
      `INSERT INTO user_token_quotas (user_id, daily_tokens, monthly_tokens) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE SET daily_tokens = EXCLUDED.daily_tokens, monthly_tokens = EXCLUDED.monthly_tokens, updated_at = now()`,
      [userId, budget.dailyTokens, budget.monthlyTokens],
    );
    return before[0] ? toBudget(before[0]) : null;
  }

  /** Returns the budget removed, or null when the user had none. */
  async removeUser(manager: EntityManager, userId: string): Promise<TokenBudget | null> {
    const [rows]: [BudgetRow[], number] = await manager.query(`DELETE FROM user_token_quotas WHERE user_id = $1 RETURNING daily_tokens, monthly_tokens`, [userId]);
    return rows[0] ? toBudget(rows[0]) : null;
  }
}
