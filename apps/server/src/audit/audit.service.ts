import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { AuditAction, AuditActorRef, AuditPage, AuditTargetType } from '@chat/contract';
import { AppException } from '../common/app-exception.js';
import { currentRequestContext } from '../common/request-context.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { AuditFilter, AuditRepository } from './audit.repository.js';

export interface AuditRecord {
  action: AuditAction;
  /** Null: the server itself (the first admin account). */
  actor: AuditActorRef | null;
  target?: { type: AuditTargetType; id: string };
  roomId?: string | null;
  details?: Record<string, unknown>;
  /** Default: the current request's (or socket event's). */
  origin?: { requestId: string | null; ip: string | null };
}

const PRUNE_EVERY_MS = 6 * 3600_000;

/** `{field: {old, new}}` for the fields whose value changed. */
export function changesOf<T extends object>(before: T, after: T, fields: readonly (keyof T & string)[]): Record<string, { old: unknown; new: unknown }> {
  const changes: Record<string, { old: unknown; new: unknown }> = {};
  for (const field of fields) {
    if (before[field] !== after[field]) changes[field] = { old: before[field] ?? null, new: after[field] ?? null };
  }
  return changes;
}

/**
 * Who did what. `record` takes the transaction of the change it describes, so the entry and the
 * change commit together or not at all. Entries are never changed; old ones go after AUDIT_RETENTION_DAYS.
 */
@Injectable()
export class AuditService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AuditService.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly repository: AuditRepository,
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async record(manager: EntityManager, entry: AuditRecord): Promise<void> {
    const origin = entry.origin ?? currentRequestContext();
    await this.repository.insert(manager, {
      action: entry.action,
      actorId: entry.actor?.id ?? null,
      actorUsername: entry.actor?.username?.slice(0, 128) ?? null,
      targetType: entry.target?.type ?? null,
      targetId: entry.target?.id ?? null,
      roomId: entry.roomId ?? null,
      ip: origin.ip,
      requestId: origin.requestId,
      details: entry.details ?? {},
    });
  }

  /** For what changes nothing else (a login): the entry in a transaction of its own. */
  recordAlone(entry: AuditRecord): Promise<void> {
    return this.dataSource.transaction((manager) => this.record(manager, entry));
  }

  list(filter: AuditFilter): Promise<AuditPage> {
    if (filter.from && filter.to && filter.from >= filter.to) throw AppException.validation(['from must be before to']);
    return this.repository.page(filter);
  }

  async prune(): Promise<number> {
    const removed = await this.repository.pruneOlderThan(this.config.auditRetentionDays);
    if (removed > 0) this.logger.log({ removed, retentionDays: this.config.auditRetentionDays }, 'Pruned old audit entries');
    return removed;
  }

  async onApplicationBootstrap(): Promise<void> {
    const run = () => this.prune().catch((error: unknown) => this.logger.warn(`Audit pruning failed: ${String(error)}`));
    await run();
    this.timer = setInterval(() => void run(), PRUNE_EVERY_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }
}
