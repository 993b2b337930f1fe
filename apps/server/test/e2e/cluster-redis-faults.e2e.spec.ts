import type { ChatMessage, ErrorPayload, RoomMemberView } from '@chat/contract';
import { createRoom, flush } from '../support/realtime-helpers.js';
import { freePort, heard, OwnRedis, startTwoInstances, TestCluster } from '../support/cluster-helpers.js';
import { emitWithAck, eventually, nextEvent } from '../support/test-app.js';

const MESSAGES_PER_MINUTE = 8;

describe('two instances: Redis stopping and starting again', () => {
  let redis: OwnRedis;
  let cluster: TestCluster;

  beforeAll(async () => {
    redis = new OwnRedis(await freePort());
    await redis.start();
    cluster = await startTwoInstances('cluster-redis-faults', { RATE_LIMIT_MESSAGES_PER_MINUTE: String(MESSAGES_PER_MINUTE) }, redis.url);
  });
  afterAll(async () => {
    await cluster?.close();
    await redis.stop();
  });

  const ready = async (via: typeof cluster.a) => (await via.http('GET', '/health/ready')).status;

  it('should keep serving each instance’s clients, fail open to per-instance limits, and catch up across instances afterwards', async () => {
    const alice = await cluster.a.createUser();
    const bob = await cluster.a.createUser();
    const carol = await cluster.a.createUser();
    const room = (await createRoom(cluster.a, alice.token, { id: 'faults', name: 'Faults', visibility: 'public' })).id;
    const aliceOnA = await cluster.a.connect(alice.token);
    const carolOnA = await cluster.a.connect(carol.token);
    const bobOnB = await cluster.b.connect(bob.token);
    for (const socket of [aliceOnA, carolOnA, bobOnB]) await emitWithAck(socket, 'join_room', room);
    const bobHeard = heard(bobOnB);
    await flush(aliceOnA, room, [aliceOnA, carolOnA, bobOnB]);

    await redis.stop();
    await eventually(async () => (await ready(cluster.a)) === 503 && (await ready(cluster.b)) === 503, 10_000);
    expect((await cluster.a.http('GET', '/health/live')).status).toBe(200);

    // Instance A serves its own clients alone: sends are stored and delivered locally.
    const carolHeard = heard(carolOnA);
    const errors: ErrorPayload[] = [];
    aliceOnA.on('error', (error) => errors.push(error));
    const during: ChatMessage[] = [];
    for (let n = 0; n < MESSAGES_PER_MINUTE; n++) {
      const ack = await emitWithAck(aliceOnA, 'send_message', { roomId: room, content: `during ${n}` });
      expect(ack).toMatchObject({ ok: true });
      during.push((ack as unknown as { message: ChatMessage }).message);
    }
    // The limiter now counts in A's memory: the budget still holds on this instance.
    expect(await emitWithAck(aliceOnA, 'send_message', { roomId: room, content: 'over the local budget' })).toMatchObject({
      ok: false,
      error: { code: 'RATE_LIMITED' },
    });
    await eventually(() => carolHeard.filter((m) => m.content.startsWith('during')).length === MESSAGES_PER_MINUTE);
    expect((await cluster.b.http('GET', '/api/rooms', { token: bob.token })).status).toBe(200);

    await redis.start();
    await eventually(async () => (await ready(cluster.a)) === 200 && (await ready(cluster.b)) === 200, 10_000);

    // What B's client missed arrives by itself, in order, once.
    await eventually(() => bobHeard.filter((m) => m.content.startsWith('during')).length === MESSAGES_PER_MINUTE, 10_000);
    const seqs = bobHeard.map((m) => m.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(bobHeard.filter((m) => m.content.startsWith('during')).map((m) => m.id)).toEqual(during.map((m) => m.id));

    // Live delivery across instances resumes (through the reconnected adapter and bus).
    const live = nextEvent(aliceOnA, 'new_message', (m) => m.content === 'back');
    await emitWithAck(bobOnB, 'send_message', { roomId: room, content: 'back' });
    await live;
    const typing = nextEvent(aliceOnA, 'user_typing', (p) => p.userId === bob.user.id);
    bobOnB.emit('typing_start', room);
    await typing;

    // The restarted Redis started empty: each instance wrote its presence back.
    await eventually(async () => {
      const { body } = await cluster.b.http<RoomMemberView[]>('GET', `/api/rooms/${room}/members`, { token: bob.token });
      return [alice, bob, carol].every(({ user }) => body.find((m) => m.userId === user.id)?.online === true);
    }, 10_000);
    expect(errors.filter((e) => e.code !== 'RATE_LIMITED')).toEqual([]);
    for (const socket of [aliceOnA, carolOnA, bobOnB]) expect(socket.connected).toBe(true);
  });
});
