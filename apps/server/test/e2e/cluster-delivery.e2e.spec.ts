import type { JoinedRoomPayload, RoomMemberView, RoomUserPayload } from '@chat/contract';
import { createRoom, flush } from '../support/realtime-helpers.js';
import { heard, startTwoInstances, TestCluster } from '../support/cluster-helpers.js';
import { ChatClient, collect, emitWithAck, nextEvent } from '../support/test-app.js';

const TYPING_TTL_MS = 600;

async function join(socket: ChatClient, roomId: string): Promise<JoinedRoomPayload> {
  const ack = await emitWithAck(socket, 'join_room', roomId);
  if (!ack.ok) throw new Error(`join_room failed: ${JSON.stringify(ack)}`);
  return ack as unknown as JoinedRoomPayload;
}

describe('two instances: delivery, presence and typing', () => {
  let cluster: TestCluster;
  let users: Record<'alice' | 'bob' | 'carol', { token: string; id: string }>;

  beforeAll(async () => {
    cluster = await startTwoInstances('cluster-delivery', { TYPING_TTL_MS: String(TYPING_TTL_MS), RATE_LIMIT_MESSAGES_PER_MINUTE: '1000' });
    const entries = await Promise.all(
      (['alice', 'bob', 'carol'] as const).map(async (name) => {
        const { user, token } = await cluster.a.createUser('staff', `${name}_${Math.random().toString(36).slice(2, 6)}`);
        return [name, { token, id: user.id }] as const;
      }),
    );
    users = Object.fromEntries(entries) as typeof users;
  });
  afterAll(async () => {
    await cluster.close();
  });

  it('should deliver every message to every socket on either instance, in seq order, exactly once', async () => {
    const room = (await createRoom(cluster.a, users.alice.token, { id: 'cluster-delivery', name: 'Delivery', visibility: 'public' })).id;
    const alice = await cluster.a.connect(users.alice.token);
    const bob = await cluster.b.connect(users.bob.token);
    const carol = await cluster.b.connect(users.carol.token);
    for (const socket of [alice, bob, carol]) await join(socket, room);
    const logs = [alice, bob, carol].map(heard);

    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < 15; i++) {
      sends.push(emitWithAck(alice, 'send_message', { roomId: room, content: `a${i}` }));
      sends.push(emitWithAck(bob, 'send_message', { roomId: room, content: `b${i}` }));
      // A REST caller on instance B.
      if (i % 3 === 0) sends.push(cluster.b.http('POST', `/api/rooms/${room}/messages`, { token: users.carol.token, body: { content: `rest${i}` } }));
    }
    await Promise.all(sends);
    await flush(alice, room, [alice, bob, carol]);

    const total = 15 * 2 + 5 + 1;
    for (const log of logs) {
      expect(log.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    }
    // The REST messages reached the socket on the other instance as new_message.
    expect(logs[0].filter((m) => m.content.startsWith('rest'))).toHaveLength(5);
    for (const socket of [alice, bob, carol]) socket.disconnect();
  });

  it('should share presence: online lists, user_joined once per user and user_left when the last tab on any instance leaves', async () => {
    const room = (await createRoom(cluster.a, users.alice.token, { id: 'cluster-presence', name: 'Presence', visibility: 'public' })).id;
    const alice = await cluster.a.connect(users.alice.token);
    await join(alice, room);
    const joins = collect(alice, 'user_joined');
    const lefts = collect(alice, 'user_left');

    const bobOnB = await cluster.b.connect(users.bob.token);
    const bobJoined = nextEvent(alice, 'user_joined', (p) => p.userId === users.bob.id);
    const joined = await join(bobOnB, room);
    expect(joined.online.map((u) => u.userId).sort()).toEqual([users.alice.id, users.bob.id].sort());
    await bobJoined;

    // Bob's second tab, on the other instance: not a second join.
    const bobOnA = await cluster.a.connect(users.bob.token);
    await join(bobOnA, room);
    const members = await cluster.b.http<RoomMemberView[]>('GET', `/api/rooms/${room}/members`, { token: users.bob.token });
    expect(members.body.filter((m) => m.online).map((m) => m.userId).sort()).toEqual([users.alice.id, users.bob.id].sort());

    bobOnB.disconnect();
    await flush(bobOnA, room, [alice, bobOnA]);
    expect(lefts.items).toEqual([]);

    const left = nextEvent(alice, 'user_left', (p) => p.userId === users.bob.id);
    await emitWithAck(bobOnA, 'leave_room', room);
    await left;
    expect(joins.items.filter((p: RoomUserPayload) => p.userId === users.bob.id)).toHaveLength(1);
    expect(lefts.items.filter((p: RoomUserPayload) => p.userId === users.bob.id)).toHaveLength(1);
    const after = await cluster.a.http<RoomMemberView[]>('GET', `/api/rooms/${room}/members`, { token: users.alice.token });
    expect(after.body.find((m) => m.userId === users.bob.id)?.online).toBe(false);
    alice.disconnect();
    bobOnA.disconnect();
  });

  it('should carry typing across instances, expire it after TYPING_TTL_MS and end it when the typist disconnects', async () => {
    const room = (await createRoom(cluster.a, users.alice.token, { id: 'cluster-typing', name: 'Typing', visibility: 'public' })).id;
    const alice = await cluster.a.connect(users.alice.token);
    const bob = await cluster.b.connect(users.bob.token);
    await join(alice, room);
    await join(bob, room);

    const typing = nextEvent(alice, 'user_typing', (p) => p.userId === users.bob.id);
    bob.emit('typing_start', room);
    await typing;
    const started = Date.now();
    await nextEvent(alice, 'user_stop_typing', (p) => p.userId === users.bob.id, TYPING_TTL_MS * 4);
    expect(Date.now() - started).toBeGreaterThanOrEqual(TYPING_TTL_MS - 100);

    // typing_stop on B reaches A.
    bob.emit('typing_start', room);
    await nextEvent(alice, 'user_typing', (p) => p.userId === users.bob.id);
    const stopped = nextEvent(alice, 'user_stop_typing', (p) => p.userId === users.bob.id, TYPING_TTL_MS / 2);
    bob.emit('typing_stop', room);
    await stopped;

    // Disconnecting mid-sentence: the stop and the leave reach the other instance.
    bob.emit('typing_start', room);
    await nextEvent(alice, 'user_typing', (p) => p.userId === users.bob.id);
    const stop = nextEvent(alice, 'user_stop_typing', (p) => p.userId === users.bob.id, TYPING_TTL_MS / 2);
    const left = nextEvent(alice, 'user_left', (p) => p.userId === users.bob.id);
    bob.disconnect();
    await Promise.all([stop, left]);
    alice.disconnect();
  });
});
