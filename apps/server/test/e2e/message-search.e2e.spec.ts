import type { HttpErrorBody, MessageSearchResponse, MessagesPage, UserAdminView } from '@chat/contract';
import { changed, joinedSockets, sent } from '../support/conversation-helpers.js';
import { createRoom } from '../support/realtime-helpers.js';
import { ChatClient, emitWithAck, startTestApp, TestApp } from '../support/test-app.js';

type Member = { user: UserAdminView; token: string };

describe('GET /api/search/messages', () => {
  let t: TestApp;
  let alice: Member;
  let bob: Member;
  let lobby: string;
  let secret: string;
  let a: ChatClient;

  const search = (member: Member | string, query: string) =>
    t.http<MessageSearchResponse>('GET', `/api/search/messages?${query}`, { token: typeof member === 'string' ? member : member.token });
  const contents = (response: { body: MessageSearchResponse }) => response.body.results.map((r) => r.message.content);

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_MESSAGES_PER_MINUTE: '1000' });
    [alice, bob] = [await t.createUser(), await t.createUser()];
    lobby = (await createRoom(t, alice.token, { name: 'Lobby', visibility: 'public' })).id;
    secret = (await createRoom(t, alice.token, { name: 'Secret', visibility: 'private' })).id;
    [a] = await joinedSockets(t, lobby, alice.token);
    await emitWithAck(a, 'join_room', secret);
    for (const content of [
      'Deploy the payment service on Friday',
      'deploying is risky',
      'The payment failed <script>alert(1)</script> & nobody noticed',
      'friday lunch?',
    ]) {
      await sent(a, lobby, content);
    }
    const doomed = await sent(a, lobby, 'the deploy password is hunter2');
    await changed(a, 'delete_message', { messageId: doomed.id });
    await sent(a, secret, 'secret deploy plans');
  });
  afterAll(async () => {
    await t.close();
  });

  it('should find stemmed words in the rooms the caller may read, newest first, never a deleted message', async () => {
    expect(contents(await search(bob, 'q=deploy'))).toEqual(['deploying is risky', 'Deploy the payment service on Friday']);
    expect(contents(await search(alice, 'q=deploy'))).toEqual(['secret deploy plans', 'deploying is risky', 'Deploy the payment service on Friday']);
    expect(contents(await search(t.adminToken, 'q=deploy'))).toHaveLength(3);
    expect(contents(await search(alice, 'q=hunter2'))).toEqual([]);
    expect(contents(await search(alice, `q=deploy&roomId=${secret}`))).toEqual(['secret deploy plans']);
  });

  it('should understand quoted phrases, -excluded words and or', async () => {
    expect(contents(await search(bob, `q=${encodeURIComponent('"payment service"')}`))).toEqual(['Deploy the payment service on Friday']);
    expect(contents(await search(bob, `q=${encodeURIComponent('deploy -friday')}`))).toEqual(['deploying is risky']);
    expect(contents(await search(bob, `q=${encodeURIComponent('lunch or risky')}`))).toEqual(['friday lunch?', 'deploying is risky']);
  });

  it('should highlight hits with <mark> and escape everything else in the snippet', async () => {
    const { body } = await search(bob, 'q=payment');
    const failed = body.results.find((r) => r.message.content.includes('<script>'))!;
    expect(failed.snippet).toContain('<mark>payment</mark>');
    expect(failed.snippet).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; nobody');
    expect(failed.snippet).not.toMatch(/<(?!\/?mark>)/);
    // Markers smuggled into a message are text, not highlights.
    await sent(a, lobby, 'payment \uE000fake\uE001 <mark>x</mark> end');
    const smuggled = (await search(bob, 'q=payment')).body.results[0];
    expect(smuggled.snippet).toBe('<mark>payment</mark> fake &lt;mark&gt;x&lt;/mark&gt; end');
  });

  it('should page with before (the last result id) and limit', async () => {
    const first = await search(bob, 'q=deploy&limit=1');
    expect(first.body).toMatchObject({ hasMore: true });
    const second = await search(bob, `q=deploy&limit=1&before=${first.body.results[0].message.id}`);
    expect(contents(second)).toEqual(['Deploy the payment service on Friday']);
    expect(second.body.hasMore).toBe(false);
  });

  it('should follow edits: the old words are gone, the new ones found', async () => {
    const message = await sent(a, lobby, 'typo: mispeled');
    expect(contents(await search(bob, 'q=mispeled'))).toEqual(['typo: mispeled']);
    await changed(a, 'edit_message', { messageId: message.id, content: 'typo: misspelled' });
    expect(contents(await search(bob, 'q=mispeled'))).toEqual([]);
    expect(contents(await search(bob, 'q=misspelled'))).toEqual(['typo: misspelled']);
  });

  it('should refuse bad queries and rooms the caller may not read', async () => {
    for (const query of ['', 'q=', 'q=%20%20', `q=${'x'.repeat(257)}`, 'q=a&limit=0', 'q=a&limit=101', 'q=a&before=nope', 'q=a&roomId=Not%20A%20Room', 'q=a&extra=1']) {
      const response = await t.http<HttpErrorBody>('GET', `/api/search/messages?${query}`, { token: bob.token });
      expect([query, response.body]).toEqual([query, expect.objectContaining({ statusCode: 400, code: 'VALIDATION_FAILED' })]);
    }
    expect((await search(bob, `q=deploy&roomId=${secret}`)).body).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
    expect((await search(bob, 'q=deploy&roomId=no-such-room')).body).toMatchObject({ statusCode: 404, code: 'ROOM_NOT_FOUND' });
    expect((await t.http('GET', '/api/search/messages?q=deploy')).status).toBe(401);
  });

  it('should load the history around a hit with ?around=<seq>', async () => {
    const hit = (await search(bob, 'q=risky')).body.results[0].message;
    const page = await t.http<MessagesPage>('GET', `/api/rooms/${lobby}/messages?around=${hit.seq}&limit=3`, { token: bob.token });
    expect(page.body.messages.map((m) => m.seq)).toEqual([hit.seq - 1, hit.seq, hit.seq + 1]);
    expect(page.body).toMatchObject({ hasMore: false, hasMoreAfter: true });
    const bad = await t.http<HttpErrorBody>('GET', `/api/rooms/${lobby}/messages?around=2&before=5`, { token: bob.token });
    expect(bad.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
  });

  it("should search in KNOWLEDGE_LANGUAGE's configuration, indexing stored messages again when it changes", async () => {
    await sent(a, lobby, 'Die Häuser sind alt');
    expect(contents(await search(bob, 'q=Haus'))).toEqual([]);
    const german = await startTestApp({ KNOWLEDGE_LANGUAGE: 'german' }, t.database);
    try {
      const found = await german.http<MessageSearchResponse>('GET', '/api/search/messages?q=Haus', { token: bob.token });
      expect(found.body.results.map((r) => r.message.content)).toEqual(['Die Häuser sind alt']);
      expect(found.body.results[0].snippet).toBe('Die <mark>Häuser</mark> sind alt');
    } finally {
      await german.close();
    }
  });
});
