import type { ChatMessage, MessageSearchResponse, ThreadPage } from '@chat/contract';
import { createRoom } from '../support/realtime-helpers.js';
import { createKey } from '../support/integration-helpers.js';
import { emitWithAck, startTestApp, TestApp } from '../support/test-app.js';

/** The conversation routes and events (issue 11) open to API keys (issue 13) only through their scopes and rooms. */
describe('API keys on edits, reactions, threads and search', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  async function post(token: string, roomId: string, content: string, threadId?: string): Promise<ChatMessage> {
    const { status, body } = await t.http<ChatMessage>('POST', `/api/rooms/${roomId}/messages`, { token, body: { content, threadId } });
    expect(status).toBe(201);
    return body;
  }

  it('should let a reading key read threads and search, and refuse it edits, deletes and reactions', async () => {
    const { token } = await t.createUser();
    const room = await createRoom(t, token, { name: 'Keyed talk', visibility: 'public' });
    const root = await post(token, room.id, 'zebracorn launch plan');
    await post(token, room.id, 'zebracorn reply', root.id);
    const reader = await createKey(t, token, { scopes: ['messages:read'] });

    const thread = await t.http<ThreadPage>('GET', `/api/rooms/${room.id}/messages/${root.id}/thread`, { token: reader.key });
    expect(thread.status).toBe(200);
    expect(thread.body.replies.map((m) => m.content)).toEqual(['zebracorn reply']);
    const search = await t.http<MessageSearchResponse>('GET', '/api/search/messages?q=zebracorn', { token: reader.key });
    expect(search.status).toBe(200);
    expect(search.body.results.length).toBe(2);

    for (const [method, path, body] of [
      ['PATCH', `/api/rooms/${room.id}/messages/${root.id}`, { content: 'changed' }],
      ['DELETE', `/api/rooms/${room.id}/messages/${root.id}`, undefined],
      ['PUT', `/api/rooms/${room.id}/messages/${root.id}/reactions/${encodeURIComponent('👍')}`, undefined],
    ] as const) {
      expect((await t.http(method, path, { token: reader.key, body })).body).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
    }
    const socket = await t.connect(reader.key);
    for (const [event, payload] of [
      ['edit_message', { messageId: root.id, content: 'changed' }],
      ['delete_message', { messageId: root.id }],
      ['add_reaction', { messageId: root.id, emoji: '👍' }],
    ] as const) {
      expect(await emitWithAck(socket, event, payload)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
    expect(socket.connected).toBe(true);
    const { body: page } = await t.http<{ messages: ChatMessage[] }>('GET', `/api/rooms/${room.id}/messages`, { token });
    expect(page.messages.find((m) => m.id === root.id)).toMatchObject({ content: 'zebracorn launch plan', editedAt: null, deletedAt: null, reactions: [] });
  });

  it('should let a writing key react and edit its own messages, over REST and the socket', async () => {
    const { token, user } = await t.createUser();
    const room = await createRoom(t, token, { name: 'Keyed edits', visibility: 'public' });
    const writer = await createKey(t, token, { scopes: ['messages:write'] });
    const own = await post(writer.key, room.id, 'typo hre');
    const edited = await t.http('PATCH', `/api/rooms/${room.id}/messages/${own.id}`, { token: writer.key, body: { content: 'typo here' } });
    expect(edited.status).toBe(200);
    const reacted = await t.http('PUT', `/api/rooms/${room.id}/messages/${own.id}/reactions/${encodeURIComponent('🎉')}`, { token: writer.key });
    expect(reacted.status).toBe(200);
    const socket = await t.connect(writer.key);
    expect(await emitWithAck(socket, 'add_reaction', { messageId: own.id, emoji: '👍' })).toMatchObject({ ok: true });
    const { body: page } = await t.http<{ messages: ChatMessage[] }>('GET', `/api/rooms/${room.id}/messages`, { token });
    const stored = page.messages.find((m) => m.id === own.id)!;
    expect(stored.content).toBe('typo here');
    expect(stored.reactions.map((r) => [r.emoji, r.userIds])).toEqual([
      ['🎉', [user.id]],
      ['👍', [user.id]],
    ]);
  });

  it('should keep a room-limited key’s search inside its rooms', async () => {
    const { token } = await t.createUser();
    const inside = await createRoom(t, token, { name: 'Key inside', visibility: 'public' });
    const outside = await createRoom(t, token, { name: 'Key outside', visibility: 'public' });
    await post(token, inside.id, 'quokkaphrase inside');
    await post(token, outside.id, 'quokkaphrase outside');
    const key = await createKey(t, token, { scopes: ['messages:read'], roomIds: [inside.id] });
    const { body } = await t.http<MessageSearchResponse>('GET', '/api/search/messages?q=quokkaphrase', { token: key.key });
    expect(body.results.map((r) => r.message.roomId)).toEqual([inside.id]);
    const narrowed = await t.http('GET', `/api/search/messages?q=quokkaphrase&roomId=${outside.id}`, { token: key.key });
    expect(narrowed.body).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
  });
});
