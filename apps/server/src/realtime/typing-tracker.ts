import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Subject } from 'rxjs';
import type { RoomUserPayload } from '@chat/contract';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import type { RedisClients } from '../cluster/redis-clients.js';

interface TypingEntry {
  payload: RoomUserPayload;
  timer: NodeJS.Timeout;
}

/**
 * Who is typing where, on one instance. An entry lasts TYPING_TTL_MS unless refreshed, so a client
 * that vanishes mid-sentence does not leave "is typing…" behind; expiries come out of `expired$`.
 * The answers may be promises: the shared (Redis) tracker's are.
 */
@Injectable()
export class TypingTracker implements OnModuleDestroy {
  readonly expired$ = new Subject<RoomUserPayload>();
  private readonly entries = new Map<string, TypingEntry>();

  constructor(@Inject(APP_CONFIG) protected readonly config: AppConfig) {}

  /** True when the user was not typing here before (announce it). */
  start(payload: RoomUserPayload): boolean | Promise<boolean> {
    const key = `${payload.roomId}\u0000${payload.userId}`;
    const existing = this.entries.get(key);
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.entries.delete(key);
      this.expired$.next(payload);
    }, this.config.typingTtlMs);
    timer.unref();
    this.entries.set(key, { payload, timer });
    return !existing;
  }

  /** True when the user was typing here (announce the stop). */
  stop(roomId: string, userId: string): boolean | Promise<boolean> {
    const key = `${roomId}\u0000${userId}`;
    const existing = this.entries.get(key);
    if (!existing) return false;
    clearTimeout(existing.timer);
    this.entries.delete(key);
    return true;
  }

  size(): number {
    return this.entries.size;
  }

  onModuleDestroy(): void {
    for (const entry of this.entries.values()) clearTimeout(entry.timer);
    this.entries.clear();
    this.expired$.complete();
  }
}

/** A shared entry outlives its local timer by this much, so the timer (not Redis) decides the expiry. */
const SHARED_GRACE_MS = 2000;

// KEYS: the entry; ARGV: the token of the start that set the timer. Deletes the entry only if no later start took it over.
const EXPIRE_IF_MINE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0`;

/**
 * Typing shared by every instance: one Redis key per user and room, holding the token of its
 * latest start. The instance that received the latest start owns the expiry: when its timer fires
 * and the token is still its own, it deletes the entry and announces the stop (to every instance
 * through the Socket.IO adapter). While Redis does not answer, it falls back to this instance's memory.
 */
export class SharedTypingTracker extends TypingTracker {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private tokens = 0;

  constructor(
    config: AppConfig,
    private readonly redis: RedisClients,
    private readonly instanceId: string,
  ) {
    super(config);
    this.redis.command.defineCommand('typingExpireIfMine', { numberOfKeys: 1, lua: EXPIRE_IF_MINE });
  }

  override async start(payload: RoomUserPayload): Promise<boolean> {
    const key = this.key(payload.roomId, payload.userId);
    const token = `${this.instanceId}:${++this.tokens}`;
    let previous: string | null;
    try {
      previous = await this.redis.command.set(key, token, 'PX', this.config.typingTtlMs + SHARED_GRACE_MS, 'GET');
    } catch {
      return super.start(payload);
    }
    clearTimeout(this.timers.get(key));
    const timer = setTimeout(() => {
      this.timers.delete(key);
      const command = this.redis.command as unknown as { typingExpireIfMine(key: string, token: string): Promise<number> };
      command.typingExpireIfMine(key, token).then(
        (expired) => expired === 1 && this.expired$.next(payload),
        () => undefined,
      );
    }, this.config.typingTtlMs);
    timer.unref();
    this.timers.set(key, timer);
    return previous === null;
  }

  override async stop(roomId: string, userId: string): Promise<boolean> {
    const key = this.key(roomId, userId);
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    const local = super.stop(roomId, userId) as boolean;
    try {
      return (await this.redis.command.del(key)) === 1 || local;
    } catch {
      return local;
    }
  }

  override size(): number {
    return super.size() + this.timers.size;
  }

  override onModuleDestroy(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    super.onModuleDestroy();
  }

  private key(roomId: string, userId: string): string {
    return this.redis.key(`typing:${roomId}:${userId}`);
  }
}
