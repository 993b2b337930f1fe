// A server restart with a room open: Alice's page shows "reconnecting" (and the restart notice)
// while the server is down, keeps what she writes meanwhile in its queue, reconnects by itself once
// the server is back (same port, same database), and then shows every message sent meanwhile
// (Bob's, over REST, and her own queued one) exactly once, in seq order, followed by live ones.
//
// So that "sent meanwhile" is certain rather than a race with the reconnect backoff, Alice's
// Socket.IO requests are held (not failed) from the moment the server is down and seen refusing
// her, until Bob's messages are stored; the refused attempts before that are the real ones.

import assert from 'node:assert/strict';
import { test } from '../src/fixtures.js';
import { adminApi, composer, allMessages, CONNECTION_REFUSED, holdReconnects, openRoom, postMessage, sel, shownMessages, T, until } from '../src/chat.js';

test('a server restart: the page reconnects by itself and shows every message sent meanwhile once, in order', async ({ browser, baseURL, admin, restartServer, log }) => {
  const baseUrl = baseURL!;
  const api = await adminApi(baseUrl, admin);
  const alice = await api.createUser('alice', 'Alice Online');
  const bob = await api.createUser('bob', 'Bob Elsewhere');
  const room = await api.createRoom('Restart', [alice, bob]);

  const a = await openRoom(browser, baseUrl, alice, room.id, { allowErrors: [CONNECTION_REFUSED] });
  const page = a.page;
  const before = await postMessage(baseUrl, bob, room.id, 'before the restart');
  await page.locator(sel.stored, { hasText: 'before the restart' }).waitFor({ timeout: T.live });

  // Count reconnect attempts refused by the closed port; hold later ones once held.
  const reconnects = await holdReconnects(page);

  const mine = `written by Alice while the server was down ${Date.now()}`;
  const restart = await restartServer({
    whileDown: async () => {
      await page.locator(`${sel.connection}[data-state=reconnecting]`).waitFor({ timeout: T.live });
      await page.locator('[data-testid=notices] [data-code=SERVER_RESTART]').waitFor({ timeout: T.quick });
      // Written while offline: it waits in the queue, visibly.
      await composer(page).fill(mine);
      await page.keyboard.press('Enter');
      await page.locator(`${sel.item}[data-pending=true][data-status=queued]`, { hasText: mine }).waitFor({ timeout: T.quick });
      // Socket.IO's own retries (1 s, ±50 %) hit the closed port at least once.
      await until(() => reconnects.refused() > 0, 'a refused reconnect attempt');
      reconnects.hold();
    },
  });
  log(`server exited with code ${restart.exit?.code}, down for ${restart.downMs} ms, ready again in ${restart.readyMs} ms; ${reconnects.refused()} refused attempt(s), ${reconnects.held()} held`);

  // Back up, but Alice cannot have reconnected: Bob writes now.
  const whileAway = [];
  for (let i = 1; i <= 3; i++) whileAway.push(await postMessage(baseUrl, bob, room.id, `sent while Alice was away #${i}`));
  assert.notEqual(await page.locator(sel.connection).getAttribute('data-state'), 'connected', 'Alice is not connected yet');
  assert.equal(await page.locator(sel.stored, { hasText: 'sent while Alice was away' }).count(), 0, 'nothing has reached her yet');

  await reconnects.release();
  // The next attempt of the backoff (at most 15 s away, usually 1-4 s) gets through.
  await page.locator(sel.connected).waitFor({ timeout: 30_000 });
  for (const m of whileAway) await page.locator(`${sel.stored}[data-seq="${m.seq}"]`, { hasText: m.content }).waitFor({ timeout: T.live });
  // Her queued message went out after the rejoin: stored once, nothing pending.
  await page.locator(sel.stored, { hasText: mine }).waitFor({ timeout: T.live });
  await until(async () => (await page.locator(`${sel.item}[data-pending]`).count()) === 0, 'no pending message on the page');

  // Live again.
  const after = [];
  for (let i = 1; i <= 2; i++) {
    after.push(await postMessage(baseUrl, bob, room.id, `sent after the reconnect #${i}`));
    await page.locator(`${sel.stored}[data-seq="${after.at(-1).seq}"]`).waitFor({ timeout: T.live });
  }

  // The page shows exactly what the server stored: each message once, in seq order.
  const server = await allMessages(baseUrl, alice, room.id);
  const shown = await shownMessages(page);
  assert.deepEqual(
    shown.map((m) => [m.seq, m.text]),
    server.map((m) => [m.seq, m.content]),
    'the page shows every stored message once, in seq order',
  );
  const texts = shown.map((m) => m.text);
  for (const text of [before.content, ...whileAway.map((m) => m.content), mine, ...after.map((m) => m.content)]) {
    assert.equal(texts.filter((t) => t === text).length, 1, `"${text}" is shown exactly once`);
  }
  assert.equal(server.filter((m) => m.content === mine).length, 1, 'the queued message was stored once');
  const mineSeq = server.find((m) => m.content === mine).seq;
  assert.ok(
    whileAway.every((m) => m.seq < mineSeq) && after.every((m) => m.seq > mineSeq),
    'Alice\'s message was sent after her rejoin and before the live ones',
  );
  log(`${a.watch.allowed.length} expected ERR_CONNECTION_REFUSED console error(s) while the server was down`);
  a.watch.assertNone();
});
