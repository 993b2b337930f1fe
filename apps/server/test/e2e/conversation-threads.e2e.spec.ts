import { FakeOpenAiServer } from '@chat/server-testing';
import type { ChatMessage, HttpErrorBody, MessageUpdatedPayload, ThreadPage, UserAdminView } from '@chat/contract';
import { changed, joinedSockets, sent } from '../support/conversation-helpers.js';
import { createRoom, ISO_8601, refusal, storedMessages } from '../support/realtime-helpers.js';
import { ChatClient, collect, emitWithAck, eventually, nextEvent, startTestApp, TestApp } from '../support/test-app.js';

type Member = { user: UserAdminView; token: string };

describe('threads', () => {
  let t: TestApp;
  const fake = new FakeOpenAiServer();
  let alice: Member;
  let bob: Member;
  let roomId: string;
  let a: ChatClient;
  let b: ChatClient;

  beforeAll(async () => {
    const baseUrl = await fake.start();
    t = await startTestApp({ OPENAI_BASE_URL: baseUrl, LLM_MODEL: 'fake-model', LLM_TIMEOUT_MS: '3000', RATE_LIMIT_MESSAGES_PER_MINUTE: '1000' });
    [alice, bob] = [await t.createUser('staff', 'alice'), await t.createUser('staff', 'bob')];
    roomId = (await createRoom(t, alice.token, { id: 'threads', name: 'Threads', visibility: 'public' })).id;
    [a, b] = await joinedSockets(t, roomId, alice.token, bob.token);
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('should store a reply with its threadId and update the root (replyCount, lastReplyAt, next changeSeq) through message_updated', async () => {
    const root = await sent(a, roomId, 'release plan?');
    const rootUpdate = nextEvent(a, 'message_updated', (u) => u.message.id === root.id);
    const toAlice = nextEvent(a, 'new_message', (m) => m.threadId === root.id);
    const reply = await sent(b, roomId, 'Friday', { threadId: root.id });
    expect(reply).toMatchObject({ threadId: root.id, seq: root.seq + 1 });
    expect(await toAlice).toEqual(reply);
    const update = await rootUpdate;
    expect(update.message).toEqual({ ...root, replyCount: 1, lastReplyAt: reply.timestamp, changeSeq: update.changeSeq });
    expect(update.changeSeq).toBeGreaterThan(0);

    const rest = await t.http<ChatMessage>('POST', `/api/rooms/${roomId}/messages`, { token: alice.token, body: { content: 'ok, Friday', threadId: root.id } });
    expect(rest.status).toBe(201);
    expect(rest.body.threadId).toBe(root.id);
    await eventually(async () => (await storedMessages(t, roomId)).find((m) => m.id === root.id)?.replyCount === 2);
    const stored = (await storedMessages(t, roomId)).find((m) => m.id === root.id)!;
    expect(stored).toMatchObject({ replyCount: 2, lastReplyAt: rest.body.timestamp, changeSeq: update.changeSeq + 1 });
  });

  it('should page a thread: the root, then its replies ascending, newest page first, with before/after cursors', async () => {
    const root = await sent(a, roomId, 'long thread');
    const replies: ChatMessage[] = [];
    for (let i = 1; i <= 5; i++) replies.push(await sent(i % 2 ? a : b, roomId, `r${i}`, { threadId: root.id }));
    await sent(a, roomId, 'not in the thread');

    const newest = await t.http<ThreadPage>('GET', `/api/rooms/${roomId}/messages/${root.id}/thread?limit=2`, { token: bob.token });
    expect(newest.status).toBe(200);
    expect(newest.body.root).toMatchObject({ id: root.id, replyCount: 5 });
    expect(newest.body.replies.map((m) => m.content)).toEqual(['r4', 'r5']);
    expect(newest.body.hasMore).toBe(true);
    const older = await t.http<ThreadPage>('GET', `/api/rooms/${roomId}/messages/${root.id}/thread?limit=10&before=${replies[3].seq}`, { token: bob.token });
    expect(older.body.replies.map((m) => m.content)).toEqual(['r1', 'r2', 'r3']);
    expect(older.body.hasMore).toBe(false);
    const after = await t.http<ThreadPage>('GET', `/api/rooms/${roomId}/messages/${root.id}/thread?after=${replies[0].seq}&limit=2`, { token: bob.token });
    expect(after.body.replies.map((m) => m.content)).toEqual(['r2', 'r3']);
    // Replies are part of the room's history too (seqs stay one gap-free order); they carry threadId.
    const history = await storedMessages(t, roomId);
    expect(history.filter((m) => m.threadId === root.id).map((m) => m.content)).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
  });

  it('should refuse a threadId that is unknown, in another room, a reply, or malformed', async () => {
    const root = await sent(a, roomId, 'root');
    const reply = await sent(a, roomId, 'reply', { threadId: root.id });
    const other = await createRoom(t, alice.token, { name: 'Other', visibility: 'public' });
    await emitWithAck(a, 'join_room', other.id);
    const elsewhere = await sent(a, other.id, 'elsewhere');
    const before = (await storedMessages(t, roomId)).length;

    expect((await refusal(a, 'send_message', { roomId, content: 'x', threadId: '00000000-0000-4000-8000-000000000002' })).error).toMatchObject({ code: 'NOT_FOUND', event: 'send_message' });
    expect((await refusal(a, 'send_message', { roomId, content: 'x', threadId: elsewhere.id })).error.code).toBe('NOT_FOUND');
    expect((await refusal(a, 'send_message', { roomId, content: 'x', threadId: reply.id })).error.code).toBe('VALIDATION_FAILED');
    expect((await refusal(a, 'send_message', { roomId, content: 'x', threadId: 'nope' })).error.code).toBe('VALIDATION_FAILED');
    const rest = await t.http<HttpErrorBody>('POST', `/api/rooms/${roomId}/messages`, { token: alice.token, body: { content: 'x', threadId: reply.id } });
    expect(rest.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    const deleted = await sent(a, roomId, 'to be deleted');
    await changed(a, 'delete_message', { messageId: deleted.id });
    expect((await refusal(a, 'send_message', { roomId, content: 'x', threadId: deleted.id })).error.code).toBe('NOT_FOUND');
    expect((await storedMessages(t, roomId)).length).toBe(before + 1);

    const notRoot = await t.http<HttpErrorBody>('GET', `/api/rooms/${roomId}/messages/${reply.id}/thread`, { token: alice.token });
    expect(notRoot.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    const wrongRoom = await t.http<HttpErrorBody>('GET', `/api/rooms/${roomId}/messages/${elsewhere.id}/thread`, { token: alice.token });
    expect(wrongRoom.body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
  });

  it('should answer an assistant question asked in a thread inside that thread, with the thread as its context', async () => {
    await sent(a, roomId, 'main room chatter that is not in the thread');
    const root = await sent(a, roomId, 'Which port does staging use?');
    await sent(b, roomId, 'I think 8443', { threadId: root.id });
    await sent(a, roomId, 'unrelated top-level message');
    const rootUpdates = collect(a, 'message_updated');
    fake.enqueue({ kind: 'stream', tokens: ['Staging', ' uses', ' 8443.'] });
    const start = nextEvent(a, 'ai_stream_start');
    const end = nextEvent(a, 'ai_stream_end');
    const question = await sent(a, roomId, '@ai confirm?', { threadId: root.id });

    expect(await start).toMatchObject({ replyTo: question.id, threadId: root.id });
    const { message: reply } = await end;
    expect(reply).toMatchObject({ isAi: true, threadId: root.id, content: 'Staging uses 8443.', status: 'complete' });
    const request = fake.requests[fake.requests.length - 1];
    expect(request.body.messages.slice(1)).toEqual([
      { role: 'user', content: 'ALICE: Which port does staging use?' },
      { role: 'user', content: 'BOB: I think 8443' },
      { role: 'user', content: 'ALICE: @ai confirm?' },
    ]);
    await eventually(() => rootUpdates.items.some((u: MessageUpdatedPayload) => u.message.id === root.id && u.message.replyCount === 3));
    const stored = (await storedMessages(t, roomId)).find((m) => m.id === reply.id);
    expect(stored).toMatchObject({ threadId: root.id, timestamp: expect.stringMatching(ISO_8601) });
  });
});
