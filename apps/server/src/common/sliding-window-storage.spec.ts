import { SlidingWindowStorage } from './sliding-window-storage.js';

const MINUTE = 60_000;

describe(SlidingWindowStorage.name, () => {
  let now: number;
  let storage: SlidingWindowStorage;
  const hit = (limit = 5, key = 'user:a') => storage.increment(key, MINUTE, limit, MINUTE, 'messages');

  beforeEach(() => {
    now = 1_000_000;
    storage = new SlidingWindowStorage(() => now, MINUTE);
  });

  it('should allow exactly the limit in a window and refuse the next hit', async () => {
    for (let i = 0; i < 5; i++) expect((await hit()).isBlocked).toBe(false);
    const refused = await hit();
    expect(refused.isBlocked).toBe(true);
    expect(refused.timeToBlockExpire).toBeGreaterThan(0);
  });

  it('should not count refused hits, so hammering does not extend the wait', async () => {
    for (let i = 0; i < 5; i++) await hit();
    for (let i = 0; i < 100; i++) await hit();
    now += MINUTE * 2;
    expect((await hit()).isBlocked).toBe(false);
  });

  it('should let hits leave the window one slice at a time', async () => {
    for (let i = 0; i < 3; i++) await hit();
    now += MINUTE / 2;
    for (let i = 0; i < 2; i++) await hit();
    now += 1000;
    const refused = await hit();
    expect(refused.isBlocked).toBe(true);
    // The three oldest hits leave 60 s after they were made, 29 s from now.
    expect(refused.timeToBlockExpire).toBe(29);
    now += 29_000;
    for (let i = 0; i < 3; i++) expect((await hit()).isBlocked).toBe(false);
    expect((await hit()).isBlocked).toBe(true);
  });

  it('should say how long to wait until one more hit fits', async () => {
    for (let i = 0; i < 5; i++) await hit();
    const refused = await hit();
    now += refused.timeToBlockExpire * 1000;
    expect((await hit()).isBlocked).toBe(false);
  });

  it('should keep keys and throttlers apart', async () => {
    for (let i = 0; i < 5; i++) await hit(5, 'user:a');
    expect((await hit(5, 'user:b')).isBlocked).toBe(false);
    expect((await storage.increment('user:a', MINUTE, 5, MINUTE, 'typing')).isBlocked).toBe(false);
  });

  it('should forget idle keys', async () => {
    await hit(5, 'user:a');
    await hit(5, 'user:b');
    expect(storage.size()).toBe(2);
    now += MINUTE * 3;
    await hit(5, 'user:c');
    expect(storage.size()).toBe(1);
  });
});
