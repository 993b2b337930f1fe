// A capped catch-up: Alice is away (the server restarts, her reconnect is held) while Bob writes
// far more than JOIN_CATCH_UP_MAX messages. At her rejoin the server sends only the newest
// JOIN_CATCH_UP_MAX over the socket and says there is more; the console pages the gap through
// REST (several pages), so she sees every message, once, gap-free, in seq order.

import assert from 'node:assert/strict';
import { test } from '../src/fixtures.js';
import { adminApi, CONNECTION_REFUSED, holdReconnects, openRoom, postMessage, restClient, sel, shownMessages, T, until, type StoredMessage, type User } from '../src/chat.js';
import { JOIN_CATCH_UP_MAX } from '../src/harness-paths.js';

/** More than one REST page (200) beyond the cap. */
const WHILE_AWAY = JOIN_CATCH_UP_MAX + 260;

/** Every stored message of the room, oldest first, paged with `after`. */
async function storedMessages(baseUrl: string, user: User, roomId: string): Promise<StoredMessage[]> {
  const rest = restClient(baseUrl);
  const all: StoredMessage[] = [];
  for (let after = 0; ; ) {
    const page = await rest.call<{ messages: StoredMessage[]; hasMore: boolean }>('GET', `/rooms/${roomId}/messages?after=${after}&limit=200`, { token: user.token });
    all.push(...page.messages);
    if (!page.hasMore || page.messages.length === 0) return all;
    after = page.messages.at(-1)!.seq;
  }
}

test('a rejoin after more than the catch-up cap: the console pages the gap and shows every message in order', async ({ browser, baseURL, admin, restartServer, log }) => {
  test.setTimeout(180_000);
  const baseUrl = baseURL!;
  const api = await adminApi(baseUrl, admin);
  const alice = await api.createUser('alice', 'Alice Away');
  const bob = await api.createUser('bob', 'Bob Busy');
  const room = await api.createRoom('Catch-up', [alice, bob]);

  const a = await openRoom(browser, baseUrl, alice, room.id, { allowErrors: [CONNECTION_REFUSED] });
  const page = a.page;
  const before = await postMessage(baseUrl, bob, room.id, 'before Alice went away');
  await page.locator(`${sel.stored}[data-seq="${before.seq}"]`).waitFor({ timeout: T.live });

  // Away: the server restarts and Alice's reconnect attempts are held until Bob has written.
  const reconnects = await holdReconnects(page);
  await restartServer({
    whileDown: async () => {
      await page.locator(`${sel.connection}[data-state=reconnecting]`).waitFor({ timeout: T.live });
      await until(() => reconnects.refused() > 0, 'a refused reconnect attempt');
      reconnects.hold();
    },
  });

  // Several writers at once, as in a busy room: the seqs, not the posting order, are the order.
  const texts = Array.from({ length: WHILE_AWAY }, (_, i) => `while Alice was away #${i + 1}`);
  for (let i = 0; i < texts.length; i += 10) await Promise.all(texts.slice(i, i + 10).map((text) => postMessage(baseUrl, bob, room.id, text)));
  assert.notEqual(await page.locator(sel.connection).getAttribute('data-state'), 'connected', 'Alice is not connected yet');

  // The console's own paging of the gap: GET …/messages?after=…&before=… (the page's requests).
  const gapPages: URL[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname === `/api/rooms/${room.id}/messages` && url.searchParams.has('after') && url.searchParams.has('before')) gapPages.push(url);
  });
  await reconnects.release();
  await page.locator(sel.connected).waitFor({ timeout: 30_000 });

  const server = await storedMessages(baseUrl, alice, room.id);
  assert.ok(server.length >= WHILE_AWAY + 1, `the server holds ${server.length} messages`);
  const last = server.at(-1)!;
  // The newest came over the socket, the oldest of the gap through REST: wait for both ends.
  await page.locator(`${sel.stored}[data-seq="${last.seq}"]`).waitFor({ timeout: T.live });
  await until(async () => (await page.locator(sel.stored).count()) >= server.filter((m) => m.seq >= before.seq).length, 'every message since the absence on the page', {
    timeout: T.page,
  });

  const shown = await shownMessages(page);
  const since = shown.filter((m) => m.seq >= before.seq);
  assert.deepEqual(
    since.map((m) => [m.seq, m.text]),
    server.filter((m) => m.seq >= before.seq).map((m) => [m.seq, m.content]),
    'the page shows every stored message since the absence, once, in seq order',
  );
  for (let i = 1; i < since.length; i++) assert.equal(since[i].seq, since[i - 1].seq + 1, `no gap after seq ${since[i - 1].seq}`);
  // The socket brought the newest JOIN_CATCH_UP_MAX; the rest (more than a page of 200) came in pages.
  assert.ok(gapPages.length >= 2, `the gap was paged through REST (${gapPages.length} requests)`);
  assert.equal(Number(gapPages[0].searchParams.get('after')), before.seq, 'the first page starts right after what Alice had');
  log(`${WHILE_AWAY} messages while away, catch-up cap ${JOIN_CATCH_UP_MAX}: ${since.length} shown from seq ${since[0].seq} to ${since.at(-1)!.seq}`);
  a.watch.assertNone();
});
