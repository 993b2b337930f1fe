import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Subject } from 'rxjs';
import type { RoomUserPayload } from '@chat/contract';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';

interface TypingEntry {
  payload: RoomUserPayload;
  timer: NodeJS.Timeout;
}

/**
 * Who is typing where. An entry lasts TYPING_TTL_MS unless refreshed, so a client that vanishes
 * mid-sentence does not leave "is typing…" behind; expiries come out of `expired$`.
 */
@Injectable()
export class TypingTracker implements OnModuleDestroy {
  readonly expired$ = new Subject<RoomUserPayload>();
  private readonly entries = new Map<string, TypingEntry>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** True when the user was not typing here before (announce it). */
  start(payload: RoomUserPayload): boolean {
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
  stop(roomId: string, userId: string): boolean {
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
