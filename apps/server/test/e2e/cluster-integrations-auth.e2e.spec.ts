import type { ChangeEntry } from '@chat/contract';
import { createRoom, disconnectedFrom } from '../support/realtime-helpers.js';
import { startTwoInstances, TestCluster } from '../support/cluster-helpers.js';
import { createKey, openEvents } from '../support/integration-helpers.js';
import { emitWithAck, nextEvent } from '../support/test-app.js';

describe('two instances: API key revocation and the event stream', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startTwoInstances('integrations-auth', { EVENTS_HEARTBEAT_MS: '200', EVENTS_POLL_MS: '100', SOCKETS_PER_USER: '3' });
  });
  afterAll(async () => {
    await cluster.close();
  });

  it('should stop a key revoked on one instance at once on the other, REST and sockets alike', async () => {
    const { token } = await cluster.a.createUser();
    const key = await createKey(cluster.a, token, { scopes: ['messages:read', 'messages:write'] });
    expect((await cluster.b.http('GET', '/api/rooms/general/messages', { token: key.key })).status).toBe(200);
    const socketOnB = await cluster.b.connect(key.key);
    expect(await emitWithAck(socketOnB, 'join_room', 'general')).toMatchObject({ ok: true });
    const told = nextEvent(socketOnB, 'error');
    const gone = disconnectedFrom(socketOnB);

    expect((await cluster.a.http('DELETE', `/api/api-keys/${key.id}`, { token })).status).toBe(204);
    // No waiting: the very next request on B is refused.
    expect((await cluster.b.http('GET', '/api/rooms/general/messages', { token: key.key })).body).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
    expect(await told).toMatchObject({ code: 'UNAUTHORIZED', message: 'API key revoked' });
    expect(await gone).toBe('io server disconnect');
  });

  it('should stream changes as SSE with heartbeats, resume after Last-Event-ID on the other instance, and keep to readable rooms', async () => {
    const reader = await cluster.a.createUser();
    const outsider = await cluster.a.createUser();
    const room = (await createRoom(cluster.a, reader.token, { name: 'Streamed', visibility: 'public' })).id;
    const hidden = (await createRoom(cluster.a, outsider.token, { name: 'Not yours', visibility: 'private' })).id;
    const key = await createKey(cluster.a, reader.token, { scopes: ['messages:read'], roomIds: [room] });

    const first = await openEvents(cluster.a.baseUrl, key.key);
    expect(first.status).toBe(200);
    await first.heartbeat();
    const post = (t = cluster.b, roomId = room, content = 'x', token = reader.token) => t.http('POST', `/api/rooms/${roomId}/messages`, { token, body: { content } });
    await post(cluster.b, room, 'one');
    await post(cluster.a, hidden, 'secret', outsider.token);
    await post(cluster.b, 'general', 'not in the key’s rooms');
    await post(cluster.a, room, 'two');
    const [one, two] = await first.waitFor(2);
    first.close();
    expect([one.event, two.event]).toEqual(['message.created', 'message.created']);
    expect((JSON.parse(one.data!) as ChangeEntry).message.content).toBe('one');
    expect(JSON.parse(two.data!) as ChangeEntry).toMatchObject({ cursor: two.id, roomId: room, message: { content: 'two' } });

    await post(cluster.a, room, 'three');
    await post(cluster.b, room, 'four');
    const resumed = await openEvents(cluster.b.baseUrl, key.key, { 'last-event-id': one.id! });
    const again = await resumed.waitFor(3);
    expect(again.map((e) => (JSON.parse(e.data!) as ChangeEntry).message.content)).toEqual(['two', 'three', 'four']);
    await new Promise((r) => setTimeout(r, 300));
    expect(resumed.events).toHaveLength(3);
    resumed.close();
  });

  it('should refuse a stream without messages:read, and end one whose key is revoked', async () => {
    const { token } = await cluster.a.createUser();
    const writer = await createKey(cluster.a, token, { scopes: ['messages:write'] });
    expect((await openEvents(cluster.a.baseUrl, writer.key)).status).toBe(403);
    expect((await openEvents(cluster.a.baseUrl, token, { 'last-event-id': 'garbage' })).status).toBe(400);
    const reader = await createKey(cluster.a, token, { scopes: ['messages:read'] });
    const stream = await openEvents(cluster.a.baseUrl, reader.key);
    await stream.heartbeat();
    await cluster.b.http('DELETE', `/api/api-keys/${reader.id}`, { token });
    await cluster.a.http('POST', '/api/rooms/general/messages', { token, body: { content: 'wake up' } });
    await stream.ended;
    expect(stream.events.at(-1)).toMatchObject({ event: 'error' });
    expect(JSON.parse(stream.events.at(-1)!.data!)).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('should cap the open streams of one key like its sockets, apart from other keys', async () => {
    const { token } = await cluster.a.createUser();
    const first = await createKey(cluster.a, token, { scopes: ['messages:read'] });
    const second = await createKey(cluster.a, token, { scopes: ['messages:read'] });
    const open = [];
    for (let i = 0; i < 3; i++) open.push(await openEvents(cluster.a.baseUrl, first.key));
    expect(open.map((s) => s.status)).toEqual([200, 200, 200]);
    const refused = await openEvents(cluster.a.baseUrl, first.key);
    expect(refused.status).toBe(429);
    const other = await openEvents(cluster.a.baseUrl, second.key);
    expect(other.status).toBe(200);
    open[0].close();
    await new Promise((r) => setTimeout(r, 300));
    const again = await openEvents(cluster.a.baseUrl, first.key);
    expect(again.status).toBe(200);
    for (const stream of [...open, other, again]) stream.close();
  });
});
