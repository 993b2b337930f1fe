import type { UserAdminView } from '@chat/contract';
import { MemoryPresenceStore, PresenceStore } from '../../src/presence/presence.store.js';
import { RealtimeSessions } from '../../src/realtime/realtime-sessions.js';
import { createRoom, emitRaw, flush } from '../support/realtime-helpers.js';
import { ChatClient, collect, emitWithAck, eventually, nextEvent, startTestApp, TestApp } from '../support/test-app.js';

type Member = { user: UserAdminView; token: string };

const CYCLES = 50;

describe('Disconnect clean-up', () => {
  let t: TestApp;
  let sessions: RealtimeSessions;
  let presence: MemoryPresenceStore;
  let alice: Member;
  let observer: Member;
  let roomCounter = 0;

  const newRoom = async () => (await createRoom(t, t.adminToken, { id: `cleanup-${++roomCounter}`, name: `Cleanup ${roomCounter}`, visibility: 'public' })).id;
  const roomUser = (m: Member, roomId: string) => ({ userId: m.user.id, username: m.user.username, displayName: m.user.displayName, roomId });
  /** Resolves once the server has finished handling every disconnect (presence is released last). */
  const connectionsSettleAt = (count: number) => eventually(async () => presence.size().connections === count);
  const expectNothingLeft = async () => {
    await eventually(() => presence.size().connections === 0 && sessions.footprint().sockets === 0);
    expect(sessions.footprint()).toEqual({ sockets: 0, expiryTimers: 0, streams: 0, typing: 0 });
    expect(presence.size()).toEqual({ rooms: 0, connections: 0 });
  };

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_MESSAGES_PER_MINUTE: '100000', RATE_LIMIT_TYPING_PER_MINUTE: '100000', RATE_LIMIT_JOINS_PER_MINUTE: '100000' });
    sessions = t.app.get(RealtimeSessions);
    const store = t.app.get(PresenceStore);
    if (!(store instanceof MemoryPresenceStore)) throw new Error('these checks need the in-memory presence store');
    presence = store;
    alice = await t.createUser();
    observer = await t.createUser();
  });
  afterAll(async () => {
    await t.close();
  });

  it('should announce a user with two tabs once on join, and as left only when the last tab goes', async () => {
    const roomId = await newRoom();
    const o = await t.connect(observer.token);
    await emitWithAck(o, 'join_room', roomId);
    const joins = collect(o, 'user_joined');
    const leaves = collect(o, 'user_left');

    const tab1 = await t.connect(alice.token);
    const tab2 = await t.connect(alice.token);
    await emitWithAck(tab1, 'join_room', roomId);
    const secondJoin = await emitWithAck(tab2, 'join_room', roomId);
    // Presence counts the user, not the socket.
    expect(secondJoin).toMatchObject({
      online: [
        { userId: observer.user.id, username: observer.user.username, displayName: observer.user.displayName },
        { userId: alice.user.id, username: alice.user.username, displayName: alice.user.displayName },
      ],
    });
    await flush(o, roomId, [o, tab1, tab2]);
    expect(joins.items).toEqual([roomUser(alice, roomId)]);

    tab1.disconnect();
    await connectionsSettleAt(2);
    await flush(o, roomId, [o, tab2]);
    expect(leaves.items).toEqual([]);
    // The remaining tab still gets the room's messages (the flush above), and the user still shows as online.
    const members = await t.http<{ userId: string; online: boolean }[]>('GET', `/api/rooms/${roomId}/members`, { token: observer.token });
    expect(members.body.find((m) => m.userId === alice.user.id)?.online).toBe(true);

    const left = nextEvent(o, 'user_left');
    tab2.disconnect();
    expect(await left).toEqual(roomUser(alice, roomId));
    await flush(o, roomId, [o]);
    expect(leaves.items).toEqual([roomUser(alice, roomId)]);
    expect(joins.items).toEqual([roomUser(alice, roomId)]);
    o.disconnect();
    await expectNothingLeft();
  });

  it(`should leave nothing behind after ${CYCLES} two-tab connect/join/type/send/disconnect cycles`, async () => {
    const roomId = await newRoom();
    const second = await newRoom();
    const o = await t.connect(observer.token);
    await emitWithAck(o, 'join_room', roomId);
    const presenceEvents: string[] = [];
    o.on('user_joined', (p) => p.userId === alice.user.id && presenceEvents.push('joined'));
    o.on('user_left', (p) => p.userId === alice.user.id && presenceEvents.push('left'));

    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const tabs: ChatClient[] = [await t.connect(alice.token), await t.connect(alice.token)];
      for (const tab of tabs) {
        await emitWithAck(tab, 'join_room', roomId);
        await emitWithAck(tab, 'join_room', { roomId: second, lastSeq: 0 });
      }
      const typing = nextEvent(o, 'user_typing');
      emitRaw(tabs[0], 'typing_start', roomId);
      await typing;
      await emitWithAck(tabs[1], 'send_message', { roomId, content: `cycle ${cycle}` });
      emitRaw(tabs[1], 'typing_start', second);
      if (cycle % 3 === 0) await emitWithAck(tabs[0], 'leave_room', roomId);
      const left = nextEvent(o, 'user_left', (p) => p.userId === alice.user.id);
      // Alternate: one after the other, or both at once.
      if (cycle % 2 === 0) {
        tabs[0].disconnect();
        tabs[1].disconnect();
      } else {
        tabs[1].disconnect();
        await connectionsSettleAt(2);
        tabs[0].disconnect();
      }
      await left;
    }
    expect(presenceEvents).toEqual(Array.from({ length: CYCLES }, () => ['joined', 'left']).flat());
    await connectionsSettleAt(1);
    // Only the observer is left: one socket, one room stream, no typing.
    expect(sessions.footprint()).toEqual({ sockets: 1, expiryTimers: 1, streams: 1, typing: 0 });
    expect(presence.size()).toEqual({ rooms: 1, connections: 1 });
    o.disconnect();
    await expectNothingLeft();
  });

  it(`should leave nothing behind when sockets disconnect in the middle of joining (${CYCLES} cycles)`, async () => {
    const roomId = await newRoom();
    const filler = await t.connect(observer.token);
    await emitWithAck(filler, 'join_room', roomId);
    // A backlog, so each join has a catch-up to be interrupted in.
    await Promise.all(Array.from({ length: 300 }, (_, n) => emitWithAck(filler, 'send_message', { roomId, content: `backlog ${n}` })));
    filler.disconnect();
    await connectionsSettleAt(0);

    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const socket = await t.connect(alice.token);
      emitRaw(socket, 'join_room', { roomId, lastSeq: cycle % 2 === 0 ? 0 : 250 });
      emitRaw(socket, 'typing_start', roomId);
      if (cycle % 5 === 0) await nextEvent(socket, 'new_message');
      socket.disconnect();
    }
    await expectNothingLeft();
  });

  it('should release everything for sockets dropped by the server (account disabled)', async () => {
    const roomId = await newRoom();
    const carol = await t.createUser();
    const o = await t.connect(observer.token);
    await emitWithAck(o, 'join_room', roomId);
    const tabs = [await t.connect(carol.token), await t.connect(carol.token)];
    for (const tab of tabs) await emitWithAck(tab, 'join_room', roomId);
    emitRaw(tabs[0], 'typing_start', roomId);
    await nextEvent(o, 'user_typing');
    const stopped = nextEvent(o, 'user_stop_typing');
    const left = nextEvent(o, 'user_left');
    expect((await t.http('PATCH', `/api/users/${carol.user.id}`, { token: t.adminToken, body: { disabled: true } })).status).toBe(200);
    expect(await stopped).toEqual(roomUser(carol, roomId));
    expect(await left).toEqual(roomUser(carol, roomId));
    o.disconnect();
    await expectNothingLeft();
  });
});
