import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ClientEvent, ERROR_CODES, ErrorCode } from '@chat/contract';
import type { MessageStatus } from '@chat/contract';

/** Gauges whose value belongs to another part of the server, which registers a reader for it. */
export type GaugeSource = 'chat_socket_connections' | 'chat_ai_upstream_running' | 'chat_ai_upstream_queued' | 'chat_db_pool_in_use' | 'chat_db_pool_idle' | 'chat_db_pool_waiting';

const CLIENT_EVENTS = new Set<string>(Object.values(ClientEvent));
const KNOWN_CODES = new Set<string>(ERROR_CODES);
const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Every Prometheus family the server exports, in one registry per app (tests run several apps in one
 * process). Label values are only ever enums or route templates: an id or user input would make a
 * new series per value.
 */
@Injectable()
export class Metrics implements OnModuleDestroy {
  readonly registry = new Registry();
  private readonly sources = new Map<GaugeSource, () => number>();

  readonly socketEvents = new Counter({ name: 'chat_socket_events_total', help: 'Socket.IO client events handled, by event and outcome (ok|error)', labelNames: ['event', 'outcome'] as const, registers: [this.registry] });
  readonly errors = new Counter({ name: 'chat_errors_total', help: 'Coded errors sent to clients (REST and socket), by code', labelNames: ['code'] as const, registers: [this.registry] });
  readonly messagesStored = new Counter({ name: 'chat_messages_stored_total', help: 'Messages stored (users and the assistant)', registers: [this.registry] });
  readonly messageIngest = new Histogram({ name: 'chat_message_ingest_seconds', help: 'From a message reaching the writer to its commit', buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [this.registry] });
  readonly writeBatchSize = new Histogram({ name: 'chat_message_write_batch_size', help: 'Messages per group-commit transaction', buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500], registers: [this.registry] });
  readonly aiReplies = new Counter({ name: 'chat_ai_replies_total', help: 'Assistant replies ended, by outcome (complete|cancelled|error)', labelNames: ['outcome'] as const, registers: [this.registry] });
  readonly aiFirstToken = new Histogram({ name: 'chat_ai_first_token_seconds', help: 'From the reply starting to its first token', buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30], registers: [this.registry] });
  readonly aiReply = new Histogram({ name: 'chat_ai_reply_seconds', help: 'Whole assistant reply, start to end', buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300], registers: [this.registry] });
  readonly aiTokens = new Counter({ name: 'chat_ai_tokens_total', help: 'Assistant tokens, by kind (prompt|completion)', labelNames: ['kind'] as const, registers: [this.registry] });
  readonly knowledgeSearch = new Histogram({ name: 'chat_knowledge_search_seconds', help: 'Knowledge-base retrieval, question to ranked chunks', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [this.registry] });
  readonly httpDuration = new Histogram({ name: 'http_request_duration_seconds', help: 'HTTP requests by method, route template and status', labelNames: ['method', 'route', 'status'] as const, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.sourced('chat_socket_connections', 'Socket.IO connections open on this instance');
    this.sourced('chat_ai_upstream_running', 'Assistant upstream calls running on this instance');
    this.sourced('chat_ai_upstream_queued', 'Assistant replies waiting for an upstream slot on this instance');
    this.sourced('chat_db_pool_in_use', 'Database connections checked out of the pool');
    this.sourced('chat_db_pool_idle', 'Database connections idle in the pool');
    this.sourced('chat_db_pool_waiting', 'Queries waiting for a database connection');
  }

  /** `read` is called at every scrape. */
  provide(gauge: GaugeSource, read: () => number): void {
    this.sources.set(gauge, read);
  }

  socketEvent(event: string, outcome: 'ok' | 'error'): void {
    this.socketEvents.inc({ event: CLIENT_EVENTS.has(event) ? event : 'unknown', outcome });
  }

  error(code: string): void {
    this.errors.inc({ code: KNOWN_CODES.has(code) ? code : ErrorCode.INTERNAL });
  }

  aiReplyEnded(outcome: Exclude<MessageStatus, 'streaming'>, seconds: { firstToken?: number; total: number }, tokens: { prompt: number; completion: number }): void {
    this.aiReplies.inc({ outcome });
    if (seconds.firstToken !== undefined) this.aiFirstToken.observe(seconds.firstToken);
    this.aiReply.observe(seconds.total);
    this.aiTokens.inc({ kind: 'prompt' }, tokens.prompt);
    this.aiTokens.inc({ kind: 'completion' }, tokens.completion);
  }

  httpRequest(method: string, route: string | undefined, status: number, seconds: number): void {
    this.httpDuration.observe({ method: HTTP_METHODS.has(method) ? method : 'OTHER', route: route ?? 'unmatched', status: String(status) }, seconds);
  }

  onModuleDestroy(): void {
    this.registry.clear();
  }

  private sourced(name: GaugeSource, help: string): void {
    const sources = this.sources;
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        const read = sources.get(name);
        if (read) this.set(read());
      },
    });
  }
}
