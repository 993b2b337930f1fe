import { createRoom, disconnectedFrom, flush } from '../support/realtime-helpers.js';
import { startTwoInstances, TestCluster } from '../support/cluster-helpers.js';
import { collect, emitWithAck, nextEvent } from '../support/test-app.js';

describe('two instances: revocation everywhere', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startTwoInstances('cluster-revocation');
  });
  afterAll(async () => {
    await cluster.close();
  });

  it.each([
    ['disabling the user', { disabled: true }],
    ['changing their role', { role: 'admin' }],
  ])('should disconnect the sockets on both instances when %s through either', async (_what, change) => {
    const { user, token } = await cluster.a.createUser();
    const onA = await cluster.a.connect(token);
    const onB = await cluster.b.connect(token);
    const errorOnB = nextEvent(onB, 'error');
    const gone = [disconnectedFrom(onA), disconnectedFrom(onB)];
    const { status } = await cluster.a.http('PATCH', `/api/users/${user.id}`, { token: cluster.a.adminToken, body: change });
    expect(status).toBe(200);
    expect(await Promise.all(gone)).toEqual(['io server disconnect', 'io server disconnect']);
    expect(await errorOnB).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('should make a removed member’s sockets on every instance leave the room at once', async () => {
    const owner = await cluster.a.createUser();
    const member = await cluster.a.createUser();
    const room = (await createRoom(cluster.a, owner.token, { id: 'cluster-private', name: 'Private', visibility: 'private' })).id;
    expect((await cluster.a.http('PUT', `/api/rooms/${room}/members/${member.user.id}`, { token: owner.token, body: {} })).status).toBe(200);
    const ownerOnA = await cluster.a.connect(owner.token);
    const memberOnA = await cluster.a.connect(member.token);
    const memberOnB = await cluster.b.connect(member.token);
    for (const socket of [ownerOnA, memberOnA, memberOnB]) expect(await emitWithAck(socket, 'join_room', room)).toMatchObject({ ok: true });
    const heardOnB = collect(memberOnB, 'new_message');

    const leftA = nextEvent(memberOnA, 'left_room', (p) => p.roomId === room);
    const leftB = nextEvent(memberOnB, 'left_room', (p) => p.roomId === room);
    const userLeft = nextEvent(ownerOnA, 'user_left', (p) => p.userId === member.user.id);
    // Removed through instance B; the owner's instance A hears of it too.
    expect((await cluster.b.http('DELETE', `/api/rooms/${room}/members/${member.user.id}`, { token: owner.token })).status).toBe(204);
    await Promise.all([leftA, leftB, userLeft]);

    await flush(ownerOnA, room, [ownerOnA]);
    await emitWithAck(memberOnB, 'join_room', 'general').catch(() => undefined);
    expect(heardOnB.items.map((m) => m.content).filter((c) => c.startsWith('flush-'))).toEqual([]);
    expect(memberOnB.connected).toBe(true);
  });
});
