import { Logger } from '@nestjs/common';
import { Redis, RedisOptions } from 'ioredis';
import { Subject } from 'rxjs';
import type { RedisConfig } from '../config/app-config.js';

/** Injection token for `RedisClients | null` (null: no REDIS_URL, one instance in memory). */
export const REDIS = Symbol('REDIS');

export type RedisRole = 'command' | 'bus' | 'adapter';

const CONNECT_WAIT_MS = 5000;

/**
 * The Redis connections of one instance: one for commands and publishing, one subscriber each for
 * the domain-event bus and the Socket.IO adapter. All reconnect by themselves (capped backoff).
 * Commands fail at once while the connection is down instead of queueing, so a Redis outage
 * never stalls a client's request: callers fall back to what this instance knows.
 */
export class RedisClients {
  private readonly logger = new Logger(RedisClients.name);
  readonly command: Redis;
  readonly bus: Redis;
  readonly adapterSubscriber: Redis;
  /** A connection came back after being lost: state held in Redis may need re-publishing. */
  readonly reconnected$ = new Subject<RedisRole>();
  private closing = false;

  constructor(readonly config: RedisConfig) {
    const base: RedisOptions = {
      connectTimeout: 2000,
      retryStrategy: (attempt) => Math.min(100 * attempt, 1000),
      lazyConnect: true,
    };
    this.command = this.watch('command', new Redis(config.url, { ...base, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 2000 }));
    // Subscribers queue their SUBSCRIBE until connected and re-subscribe after every reconnect.
    this.bus = this.watch('bus', new Redis(config.url, { ...base, maxRetriesPerRequest: null }));
    this.adapterSubscriber = this.watch('adapter', new Redis(config.url, { ...base, maxRetriesPerRequest: null }));
  }

  key(name: string): string {
    return `${this.config.keyPrefix}${name}`;
  }

  /** Connects; a Redis that does not answer within a few seconds is retried in the background, not fatal. */
  async connect(): Promise<void> {
    const clients = [this.command, this.bus, this.adapterSubscriber];
    const connected = Promise.all(clients.map((client) => client.connect().catch(() => undefined)));
    await Promise.race([connected, new Promise((resolve) => setTimeout(resolve, CONNECT_WAIT_MS).unref())]);
    if (this.command.status !== 'ready') this.logger.warn(`Redis at ${this.redactedUrl()} is not reachable yet; serving this instance's clients alone until it is`);
  }

  isReady(): boolean {
    return this.command.status === 'ready';
  }

  async close(): Promise<void> {
    this.closing = true;
    // QUIT would wait in a subscriber's queue forever while Redis is unreachable.
    await Promise.all(
      [this.command, this.bus, this.adapterSubscriber].map(async (client) => {
        if (client.status !== 'ready') return client.disconnect();
        await client.quit().catch(() => client.disconnect());
      }),
    );
  }

  private watch(role: RedisRole, client: Redis): Redis {
    let wasReady = false;
    let lost = false;
    client.on('ready', () => {
      if (lost) {
        this.logger.log(`Redis connection (${role}) is back`);
        this.reconnected$.next(role);
      }
      wasReady = true;
      lost = false;
    });
    let lastError = '';
    // Without a listener ioredis reports every failed retry; the outage is logged once, on close.
    client.on('error', (error: Error) => (lastError = error.message));
    client.on('close', () => {
      if (!wasReady || lost || this.closing) return;
      lost = true;
      this.logger.warn(`Redis connection (${role}) lost${lastError ? `: ${lastError}` : ''}; reconnecting`);
    });
    return client;
  }

  private redactedUrl(): string {
    const url = new URL(this.config.url);
    if (url.password) url.password = '***';
    return url.toString();
  }
}
