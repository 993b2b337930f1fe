import type { PresenceUser } from '@chat/contract';
import { MemoryPresenceStore } from './presence.store.js';

const alice: PresenceUser = { userId: 'u-alice', username: 'alice', displayName: 'Alice' };
const bob: PresenceUser = { userId: 'u-bob', username: 'bob', displayName: 'Bob' };

describe(MemoryPresenceStore.name, () => {
  let store: MemoryPresenceStore;
  beforeEach(() => {
    store = new MemoryPresenceStore();
  });

  it('should announce a join only for the first socket of a user in a room', async () => {
    expect(await store.join('general', alice, 's1')).toBe(true);
    expect(await store.join('general', alice, 's2')).toBe(false);
    expect(await store.join('general', alice, 's2')).toBe(false);
    expect(await store.join('general', bob, 's3')).toBe(true);
    expect(await store.join('random', alice, 's1')).toBe(true);
    expect(await store.online('general')).toEqual([alice, bob]);
    expect(await store.online('random')).toEqual([alice]);
  });

  it('should announce a leave only when the last socket of that user leaves', async () => {
    await store.join('general', alice, 's1');
    await store.join('general', alice, 's2');
    await store.join('general', bob, 's3');

    expect(await store.leave('general', alice.userId, 's1')).toBe(false);
    expect(await store.online('general')).toEqual([alice, bob]);
    expect(await store.leave('general', alice.userId, 's2')).toBe(true);
    expect(await store.online('general')).toEqual([bob]);
  });

  it('should ignore leaves that do not match a join', async () => {
    await store.join('general', alice, 's1');
    expect(await store.leave('general', alice.userId, 'other-socket')).toBe(false);
    expect(await store.leave('general', bob.userId, 's1')).toBe(false);
    expect(await store.leave('nowhere', alice.userId, 's1')).toBe(false);
    expect(await store.online('general')).toEqual([alice]);
    expect(await store.leave('general', alice.userId, 's1')).toBe(true);
    expect(await store.leave('general', alice.userId, 's1')).toBe(false);
  });

  it('should keep nothing once everyone has left', async () => {
    await store.join('general', alice, 's1');
    await store.join('random', alice, 's1');
    await store.join('general', bob, 's2');
    expect(await store.activeRoomCount()).toBe(2);

    await store.leave('general', alice.userId, 's1');
    await store.leave('random', alice.userId, 's1');
    expect(await store.activeRoomCount()).toBe(1);
    await store.leave('general', bob.userId, 's2');

    expect(await store.activeRoomCount()).toBe(0);
    expect(await store.online('general')).toEqual([]);
    expect(store.size()).toEqual({ rooms: 0, connections: 0 });
  });

  it('should count open connections and every connection ever opened', async () => {
    await store.connect('s1', alice.userId);
    await store.connect('s2', alice.userId);
    await store.connect('s3', bob.userId);
    expect(await store.connectionCount()).toBe(3);

    await store.disconnect('s1');
    await store.disconnect('s1');
    await store.disconnect('unknown');
    expect(await store.connectionCount()).toBe(2);
    expect(await store.totalConnections()).toBe(3);

    await store.disconnect('s2');
    await store.disconnect('s3');
    expect(store.size()).toEqual({ rooms: 0, connections: 0 });
    expect(await store.totalConnections()).toBe(3);
  });
});
