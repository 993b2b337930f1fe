import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ChatMessage } from '@chat/contract';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { MESSAGE_COLUMNS, MessageRow, toChatMessage } from '../messages/message.mapper.js';

/**
 * Private-use characters: ts_headline wraps hits in the first two; the text's own `<` and `>` travel
 * as the other two, because ts_headline drops anything that looks like an HTML tag. The text's own
 * copies of all four are dropped first, so only the server's markers carry a meaning.
 */
export const HIT_START = '\uE000';
export const HIT_END = '\uE001';
export const LESS_THAN = '\uE002';
export const GREATER_THAN = '\uE003';
const HEADLINE_TEXT = `translate(m.content, '<>${HIT_START}${HIT_END}${LESS_THAN}${GREATER_THAN}', '${LESS_THAN}${GREATER_THAN}')`;
// One window around the best hit: chat messages are short, and fragment mode cuts them mid-text.
const HEADLINE_OPTIONS = `StartSel=${HIT_START}, StopSel=${HIT_END}, MaxWords=35, MinWords=15`;

export interface SearchBounds {
  roomIds: string[] | null;
  before?: string;
  limit: number;
}

/** The messages' full-text index (see migration 1766500001000) and queries on it. */
@Injectable()
export class MessageSearchRepository implements OnModuleInit {
  private readonly logger = new Logger(MessageSearchRepository.name);

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private get language(): string {
    return this.config.knowledge.language;
  }

  /**
   * The trigger indexes in the configured language; after KNOWLEDGE_LANGUAGE changed, existing
   * messages are indexed again. The row lock makes one of several starting instances do it.
   */
  async onModuleInit(): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const [changed] = (await manager.query(
        `UPDATE message_search_config SET language = $1::regconfig WHERE language <> $1::regconfig RETURNING language`,
        [this.language],
      )) as [unknown[], number];
      if (changed.length === 0) return;
      const [, count] = (await manager.query(
        `UPDATE messages SET search_vector = to_tsvector($1::regconfig, content) WHERE deleted_at IS NULL AND content <> ''`,
        [this.language],
      )) as [unknown, number];
      this.logger.log(`Message search now in "${this.language}": ${count} messages indexed again`);
    });
  }

  /**
   * Matches of `query` (websearch syntax: "phrases", -word, or) in the given rooms (null: all),
   * newest first, after the `before` message; each with its highlighted fragments.
   */
  async search(query: string, bounds: SearchBounds): Promise<{ message: ChatMessage; headline: string }[]> {
    const params: unknown[] = [this.language, query, bounds.limit];
    const conditions = ['m.search_vector @@ q.query', 'm.deleted_at IS NULL'];
    if (bounds.roomIds !== null) conditions.push(`m.room_id = ANY($${params.push(bounds.roomIds)}::varchar[])`);
    if (bounds.before !== undefined) {
      conditions.push(`(m.created_at, m.id) < (SELECT b.created_at, b.id FROM messages b WHERE b.id = $${params.push(bounds.before)}::uuid)`);
    }
    const rows: (MessageRow & { headline: string })[] = await this.dataSource.query(
      `SELECT ${MESSAGE_COLUMNS},
              ts_headline($1::regconfig, ${HEADLINE_TEXT}, q.query, '${HEADLINE_OPTIONS}') AS headline
       FROM websearch_to_tsquery($1::regconfig, $2) AS q(query)
       JOIN messages m ON ${conditions.join(' AND ')}
       LEFT JOIN users u ON u.id = m.user_id
       ORDER BY m.created_at DESC, m.id DESC LIMIT $3`,
      params,
    );
    return rows.map((row) => ({ message: toChatMessage(row), headline: row.headline }));
  }
}
