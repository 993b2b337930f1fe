import type { HttpErrorBody, MessageUpdatedPayload, UserAdminView } from '@chat/contract';
import { changed, joinedSockets, sent } from '../support/conversation-helpers.js';
import { createRoom, flush, refusal, storedMessages } from '../support/realtime-helpers.js';
import { ChatClient, collect, nextEvent, startTestApp, TestApp } from '../support/test-app.js';

type Member = { user: UserAdminView; token: string };

describe('add_reaction and remove_reaction', () => {
  let t: TestApp;
  let alice: Member;
  let bob: Member;
  let roomId: string;
  let a: ChatClient;
  let b: ChatClient;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_MESSAGES_PER_MINUTE: '1000', RATE_LIMIT_CHANGES_PER_MINUTE: '1000' });
    [alice, bob] = [await t.createUser(), await t.createUser()];
    roomId = (await createRoom(t, alice.token, { id: 'reactions', name: 'Reactions', visibility: 'public' })).id;
    [a, b] = await joinedSockets(t, roomId, alice.token, bob.token);
  });
  afterAll(async () => {
    await t.close();
  });

  it('should count one reaction per user per emoji, in the order each emoji was first used, live to the room', async () => {
    const message = await sent(a, roomId, 'react to me');
    const toAlice = nextEvent(a, 'message_updated');
    const first = await changed(b, 'add_reaction', { messageId: message.id, emoji: '👍' });
    expect(first.message.reactions).toEqual([{ emoji: '👍', count: 1, userIds: [bob.user.id] }]);
    expect(first.message.changeSeq).toBe(first.changeSeq);
    expect(await toAlice).toEqual(first);

    const second = await changed(a, 'add_reaction', { messageId: message.id, emoji: '👍' });
    const third = await changed(a, 'add_reaction', { messageId: message.id, emoji: '👨‍👩‍👧‍👦' });
    const fourth = await changed(a, 'add_reaction', { messageId: message.id, emoji: '👋🏽' });
    expect([second.changeSeq, third.changeSeq, fourth.changeSeq]).toEqual([first.changeSeq + 1, first.changeSeq + 2, first.changeSeq + 3]);
    expect(fourth.message.reactions).toEqual([
      { emoji: '👍', count: 2, userIds: [bob.user.id, alice.user.id] },
      { emoji: '👨‍👩‍👧‍👦', count: 1, userIds: [alice.user.id] },
      { emoji: '👋🏽', count: 1, userIds: [alice.user.id] },
    ]);

    // The same reaction again, and removing one that is not there, change nothing and announce nothing.
    await flush(a, roomId, [a, b]);
    const updates = collect(b, 'message_updated');
    expect(await changed(a, 'add_reaction', { messageId: message.id, emoji: '👍' })).toEqual(fourth);
    expect(await changed(b, 'remove_reaction', { messageId: message.id, emoji: '🎉' })).toEqual(fourth);
    await flush(a, roomId, [a, b]);
    expect(updates.items).toEqual([]);

    const removed = await changed(b, 'remove_reaction', { messageId: message.id, emoji: '👍' });
    expect(removed.changeSeq).toBe(fourth.changeSeq + 1);
    expect(removed.message.reactions[0]).toEqual({ emoji: '👍', count: 1, userIds: [alice.user.id] });
    expect((await storedMessages(t, roomId)).find((m) => m.id === message.id)).toEqual(removed.message);
  });

  it('should take reactions over REST with the emoji percent-encoded in the path, idempotently', async () => {
    const message = await sent(a, roomId, 'rest reactions');
    const path = `/api/rooms/${roomId}/messages/${message.id}/reactions/${encodeURIComponent('❤️')}`;
    const toBob = nextEvent(b, 'message_updated', (u) => u.message.id === message.id);
    const put = await t.http<MessageUpdatedPayload>('PUT', path, { token: alice.token });
    expect(put.status).toBe(200);
    expect(put.body.message.reactions).toEqual([{ emoji: '❤️', count: 1, userIds: [alice.user.id] }]);
    expect(await toBob).toEqual(put.body);
    expect((await t.http<MessageUpdatedPayload>('PUT', path, { token: alice.token })).body).toEqual(put.body);
    const deleted = await t.http<MessageUpdatedPayload>('DELETE', path, { token: alice.token });
    expect(deleted.body.message.reactions).toEqual([]);
    expect(deleted.body.changeSeq).toBe(put.body.changeSeq + 1);
    expect((await t.http<MessageUpdatedPayload>('DELETE', path, { token: alice.token })).body).toEqual(deleted.body);
  });

  it.each([['a'], ['👍👍'], ['👍 '], [''], ['<script>'], ['x'.repeat(200)], [42], [null]])('should refuse %j as a reaction, on the socket and over REST', async (emoji) => {
    const message = await sent(a, roomId, 'no junk');
    const { error, ack } = await refusal(a, 'add_reaction', { messageId: message.id, emoji });
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', event: 'add_reaction' });
    expect(ack).toEqual({ ok: false, error });
    if (typeof emoji === 'string' && emoji !== '') {
      const rest = await t.http<HttpErrorBody>('PUT', `/api/rooms/${roomId}/messages/${message.id}/reactions/${encodeURIComponent(emoji)}`, { token: alice.token });
      expect(rest.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    }
    expect((await storedMessages(t, roomId)).find((m) => m.id === message.id)?.reactions).toEqual([]);
  });

  it('should answer NOT_FOUND for an unknown message and keep the socket', async () => {
    const unknown = '00000000-0000-4000-8000-000000000001';
    expect((await refusal(a, 'add_reaction', { messageId: unknown, emoji: '👍' })).error.code).toBe('NOT_FOUND');
    expect((await refusal(a, 'remove_reaction', { messageId: unknown, emoji: '👍' })).error.code).toBe('NOT_FOUND');
    const rest = await t.http<HttpErrorBody>('PUT', `/api/rooms/${roomId}/messages/${unknown}/reactions/${encodeURIComponent('👍')}`, { token: alice.token });
    expect(rest.body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
    expect(a.connected).toBe(true);
  });
});
