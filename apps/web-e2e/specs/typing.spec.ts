// The typing indicator between two browser contexts: while Bob types, Alice sees "BOB is typing…"
// under his display name (the user_typing event carries it), and it goes away as soon as Bob
// sends, well before the server's typing TTL (6 s) could have ended it.

import assert from 'node:assert/strict';
import { test } from '../src/fixtures.js';
import { adminApi, composer, openRoom, sel, T, waitOnline } from '../src/chat.js';

test('the typing indicator shows the display name and goes away on send', async ({ browser, baseURL, admin }) => {
  const baseUrl = baseURL!;
  const api = await adminApi(baseUrl, admin);
  const alice = await api.createUser('alice', 'Alice');
  const bob = await api.createUser('bob', 'BOB');
  const room = await api.createRoom('Typing', [alice, bob]);

  const a = await openRoom(browser, baseUrl, alice, room.id);
  const b = await openRoom(browser, baseUrl, bob, room.id);
  await waitOnline(a.page, bob);
  await waitOnline(b.page, alice);

  const indicator = a.page.locator(sel.typing);
  assert.equal((await indicator.textContent()).trim(), '', 'nobody is typing at first');

  // Bob types, key by key.
  await composer(b.page).click();
  await composer(b.page).pressSequentially('Working on the report', { delay: 25 });
  await a.page.waitForFunction(
    (selector) => document.querySelector(selector)?.textContent?.trim() === 'BOB is typing…',
    sel.typing,
    { timeout: T.live },
  );
  assert.ok(!(await indicator.textContent()).includes(bob.username), 'the display name is shown, not the username');
  // Bob does not see himself typing.
  assert.equal((await b.page.locator(sel.typing).textContent()).trim(), '', 'a typist does not see their own indicator');

  // Bob sends: the indicator goes with the message, not seconds later by expiry.
  const sentAt = Date.now();
  await b.page.keyboard.press('Enter');
  await a.page.waitForFunction((selector) => document.querySelector(selector)?.textContent?.trim() === '', sel.typing, { timeout: T.quick });
  const clearedAfter = Date.now() - sentAt;
  await a.page.locator(sel.stored, { hasText: 'Working on the report' }).waitFor({ timeout: T.live });
  assert.ok(clearedAfter < 4_000, `the indicator cleared ${clearedAfter} ms after the send (the TTL is 6 s)`);

  // Typing again and clearing the field by hand ends it too.
  await composer(b.page).pressSequentially('one more', { delay: 25 });
  await indicator.filter({ hasText: 'BOB is typing…' }).waitFor({ timeout: T.live });
  await composer(b.page).fill('');
  await a.page.waitForFunction((selector) => document.querySelector(selector)?.textContent?.trim() === '', sel.typing, { timeout: T.quick });

  a.watch.assertNone();
  b.watch.assertNone();
});
