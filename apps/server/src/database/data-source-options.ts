import { Logger } from '@nestjs/common';
import type { DataSourceOptions, Logger as TypeOrmLogger } from 'typeorm';
import { KnowledgeChunkEntity, KnowledgeDocumentEntity } from '../knowledge/knowledge.entity.js';
import { MessageEntity } from '../messages/message.entity.js';
import { RoomEntity, RoomMemberEntity } from '../rooms/room.entity.js';
import { UserEntity } from '../users/user.entity.js';
import { InitialSchema1764270000000 } from './migrations/1764270000000-initial-schema.js';
import { KnowledgeBase1764900000000 } from './migrations/1764900000000-knowledge-base.js';
import { StreamingRepliesIndex1765000000000 } from './migrations/1765000000000-streaming-replies-index.js';
import { Credentials1766200000000 } from './migrations/1766200000000-credentials.js';
import { AuditLogAndQuotas1766400000000 } from './migrations/1766400000000-audit-log-and-quotas.js';
import { MessageChanges1766450000000 } from './migrations/1766450000000-message-changes.js';
import { Conversation1766500000000 } from './migrations/1766500000000-conversation.js';
import { Integrations1766600000000 } from './migrations/1766600000000-integrations.js';
import { SingleSignOn1766700000000 } from './migrations/1766700000000-single-sign-on.js';
import { MessageTokenCounts1766800000000 } from './migrations/1766800000000-message-token-counts.js';
import { LighterChangeOutbox1766850000000 } from './migrations/1766850000000-lighter-change-outbox.js';
import { MessageSearch1766500001000 } from './migrations/1766500001000-message-search.js';

export const ENTITIES = [UserEntity, RoomEntity, RoomMemberEntity, MessageEntity, KnowledgeDocumentEntity, KnowledgeChunkEntity];
export const MIGRATIONS = [
  InitialSchema1764270000000,
  KnowledgeBase1764900000000,
  StreamingRepliesIndex1765000000000,
  Credentials1766200000000,
  AuditLogAndQuotas1766400000000,
  MessageChanges1766450000000,
  Conversation1766500000000,
  MessageSearch1766500001000,
  Integrations1766600000000,
  SingleSignOn1766700000000,
  MessageTokenCounts1766800000000,
  LighterChangeOutbox1766850000000,
];

/**
 * TypeORM's own console logger prints a failed query with its parameters, which hold password hashes
 * and message text. Failures reach the caller anyway (mapped, or logged as a 500 by the HTTP filter),
 * so this only notes the statement and the driver's message, at debug level, through Nest's logger.
 */
class QueryErrorLogger implements TypeOrmLogger {
  private readonly logger = new Logger('Database');

  logQueryError(error: string | Error, query: string): void {
    this.logger.debug(`Query failed (${error instanceof Error ? error.message : error}): ${query.replace(/\s+/g, ' ').slice(0, 500)}`);
  }
  logQuery(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
  }
}

/** Schema changes only ever come from migrations; `synchronize` stays off everywhere. */
export function dataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['error', 'warn'],
    logger: new QueryErrorLogger(),
    extra: { max: 20, application_name: 'chat-server' },
  };
}
