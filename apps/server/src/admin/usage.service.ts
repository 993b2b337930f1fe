import { Injectable } from '@nestjs/common';
import type { UsageGroupBy, UsageReport } from '@chat/contract';
import { AppException } from '../common/app-exception.js';
import { MessagesRepository } from '../messages/messages.repository.js';

export const USAGE_GROUPS: UsageGroupBy[] = ['user', 'room', 'day'];
export const DEFAULT_USAGE_DAYS = 30;

/** Assistant token usage, from what each finished reply stored. */
@Injectable()
export class UsageService {
  constructor(private readonly messages: MessagesRepository) {}

  async report(query: { from?: string; to?: string; groupBy?: UsageGroupBy }): Promise<UsageReport> {
    const to = query.to ? new Date(query.to) : new Date();
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - DEFAULT_USAGE_DAYS * 86_400_000);
    if (from >= to) throw AppException.validation(['from must be before to']);
    const groupBy = query.groupBy ?? 'day';
    const rows = (await this.messages.usage(from, to, groupBy)).map((row) => ({ ...row, key: row.key ?? 'unknown' }));
    const totals = rows.reduce(
      (sum, row) => ({
        requests: sum.requests + row.requests,
        promptTokens: sum.promptTokens + row.promptTokens,
        completionTokens: sum.completionTokens + row.completionTokens,
      }),
      { requests: 0, promptTokens: 0, completionTokens: 0 },
    );
    return { from: from.toISOString(), to: to.toISOString(), groupBy, rows, totals };
  }
}
