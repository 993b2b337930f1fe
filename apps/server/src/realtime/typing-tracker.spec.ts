import { jest } from '@jest/globals';
import type { RoomUserPayload } from '@chat/contract';
import { loadConfig } from '../config/app-config.js';
import { TypingTracker } from './typing-tracker.js';

const TTL = 1000;
const alice: RoomUserPayload = { roomId: 'general', userId: 'u-alice', username: 'alice', displayName: 'Alice' };
const bob: RoomUserPayload = { roomId: 'general', userId: 'u-bob', username: 'bob', displayName: 'Bob' };

describe(TypingTracker.name, () => {
  let tracker: TypingTracker;
  let expired: RoomUserPayload[];

  beforeEach(() => {
    jest.useFakeTimers();
    tracker = new TypingTracker(loadConfig({ JWT_SECRET: 'x'.repeat(32), TYPING_TTL_MS: String(TTL) }));
    expired = [];
    tracker.expired$.subscribe((payload) => expired.push(payload));
  });
  afterEach(() => {
    tracker.onModuleDestroy();
    jest.useRealTimers();
  });

  it('should announce a start once, and treat a repeat as a refresh', () => {
    expect(tracker.start(alice)).toBe(true);
    expect(tracker.start(alice)).toBe(false);
    expect(tracker.start(bob)).toBe(true);
    expect(tracker.start({ ...alice, roomId: 'random' })).toBe(true);
    expect(tracker.size()).toBe(3);
  });

  it('should expire an entry after the TTL and say so once', () => {
    void tracker.start(alice);
    jest.advanceTimersByTime(TTL - 1);
    expect(expired).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(expired).toEqual([alice]);
    expect(tracker.size()).toBe(0);
    jest.advanceTimersByTime(10 * TTL);
    expect(expired).toEqual([alice]);
    // Typing again after an expiry is a new start.
    expect(tracker.start(alice)).toBe(true);
  });

  it('should push the expiry back on every refresh', () => {
    void tracker.start(alice);
    jest.advanceTimersByTime(800);
    void tracker.start(alice);
    jest.advanceTimersByTime(800);
    expect(expired).toEqual([]);
    jest.advanceTimersByTime(200);
    expect(expired).toEqual([alice]);
  });

  it('should stop an entry, cancelling its expiry, and say whether there was one', () => {
    void tracker.start(alice);
    void tracker.start(bob);
    expect(tracker.stop('general', alice.userId)).toBe(true);
    expect(tracker.stop('general', alice.userId)).toBe(false);
    expect(tracker.stop('random', bob.userId)).toBe(false);
    jest.advanceTimersByTime(TTL);
    expect(expired).toEqual([bob]);
    expect(tracker.size()).toBe(0);
  });

  it('should clear every entry and timer on shutdown', () => {
    void tracker.start(alice);
    void tracker.start(bob);
    let completed = false;
    tracker.expired$.subscribe({ complete: () => (completed = true) });
    tracker.onModuleDestroy();
    expect(tracker.size()).toBe(0);
    expect(completed).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });
});
