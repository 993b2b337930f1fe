import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ErrorCode, USER_ROLES } from '@chat/contract';
import type { AuditActorRef, QuotaStatus, QuotasView, RoleQuota, TokenBudget, UserQuota, UserRole } from '@chat/contract';
import { AuditService } from '../audit/audit.service.js';
import { AppException } from '../common/app-exception.js';
import { MessagesRepository } from '../messages/messages.repository.js';
import { QuotasRepository } from './quotas.repository.js';

const UNLIMITED: TokenBudget = { dailyTokens: null, monthlyTokens: null };

/** The UTC day and month `now` falls in: budgets reset at their ends. */
export function budgetPeriods(now: Date): { dayStart: Date; dayEnd: Date; monthStart: Date; monthEnd: Date } {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const d = now.getUTCDate();
  return { dayStart: new Date(Date.UTC(y, m, d)), dayEnd: new Date(Date.UTC(y, m, d + 1)), monthStart: new Date(Date.UTC(y, m, 1)), monthEnd: new Date(Date.UTC(y, m + 1, 1)) };
}

/**
 * Daily and monthly token budgets per role and per user (a user's own setting wins, whole). Use is
 * summed from the stored replies, so every instance sees the same figure. A question is checked
 * before its upstream call against what finished replies used: replies already running when the
 * budget runs out may take it over by what they use, never more.
 */
@Injectable()
export class QuotasService {
  constructor(
    private readonly repository: QuotasRepository,
    private readonly messages: MessagesRepository,
    private readonly audit: AuditService,
    private readonly dataSource: DataSource,
  ) {}

  async status(userId: string, now = new Date()): Promise<QuotaStatus> {
    const budget = await this.budgetOf(userId);
    const periods = budgetPeriods(now);
    const used = await this.messages.tokensUsedSince(userId, periods.dayStart, periods.monthStart);
    return {
      daily: { limit: budget.dailyTokens, used: used.daily, resetsAt: periods.dayEnd.toISOString() },
      monthly: { limit: budget.monthlyTokens, used: used.monthly, resetsAt: periods.monthEnd.toISOString() },
    };
  }

  /** AI_QUOTA_EXCEEDED with retryAfterMs until the (later) reset of every budget used up. */
  async assertWithinBudget(userId: string, now = new Date()): Promise<void> {
    const budget = await this.budgetOf(userId);
    if (budget.dailyTokens === null && budget.monthlyTokens === null) return;
    const { daily, monthly } = await this.status(userId, now);
    const over = [daily, monthly].filter((window) => window.limit !== null && window.used >= window.limit);
    if (over.length === 0) return;
    const resetsAt = Math.max(...over.map((window) => Date.parse(window.resetsAt)));
    const which = over.includes(monthly) ? 'monthly' : 'daily';
    throw new AppException(ErrorCode.AI_QUOTA_EXCEEDED, `Your ${which} assistant token budget is used up; it resets at ${new Date(resetsAt).toISOString()}`, {
      retryAfterMs: Math.max(1000, resetsAt - now.getTime()),
    });
  }

  async view(): Promise<QuotasView> {
    const [roles, users] = await Promise.all([this.repository.roles(), this.repository.users()]);
    const byRole = new Map(roles.map((row) => [row.role, row]));
    return { roles: USER_ROLES.map((role) => byRole.get(role) ?? { role, ...UNLIMITED }), users };
  }

  async putRole(actor: AuditActorRef, role: UserRole, budget: TokenBudget): Promise<RoleQuota> {
    await this.dataSource.transaction(async (manager) => {
      const previous = await this.repository.putRole(manager, role, budget);
      await this.audit.record(manager, { action: 'quota.updated', actor, target: { type: 'quota', id: `role:${role}` }, details: { role, old: previous, new: budget } });
    });
    return { role, ...budget };
  }

  async putUser(actor: AuditActorRef, userId: string, budget: TokenBudget): Promise<UserQuota> {
    const user = await this.requireUser(userId);
    await this.dataSource.transaction(async (manager) => {
      const previous = await this.repository.putUser(manager, userId, budget);
      await this.audit.record(manager, {
        action: 'quota.updated',
        actor,
        target: { type: 'quota', id: `user:${userId}` },
        details: { userId, username: user.username, old: previous, new: budget },
      });
    });
    return { userId, username: user.username, displayName: user.displayName, ...budget };
  }

  /** The user goes back to their role's budget. */
  async removeUser(actor: AuditActorRef, userId: string): Promise<void> {
    const user = await this.requireUser(userId);
    await this.dataSource.transaction(async (manager) => {
      const previous = await this.repository.removeUser(manager, userId);
      if (!previous) throw new AppException(ErrorCode.NOT_FOUND, 'This user has no budget of their own');
      await this.audit.record(manager, {
        action: 'quota.updated',
        actor,
        target: { type: 'quota', id: `user:${userId}` },
        details: { userId, username: user.username, old: previous, new: null },
      });
    });
  }

  private async budgetOf(userId: string): Promise<TokenBudget> {
    const sources = await this.repository.sourcesFor(userId);
    return sources?.own ?? sources?.roleBudget ?? UNLIMITED;
  }

  private async requireUser(userId: string): Promise<{ username: string; displayName: string }> {
    const user = await this.repository.userName(userId);
    if (!user) throw new AppException(ErrorCode.NOT_FOUND, 'User not found');
    return user;
  }
}
