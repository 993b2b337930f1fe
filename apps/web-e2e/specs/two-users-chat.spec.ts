// Two people in two browser contexts chat live in one room: what Alice sends appears on Bob's page
// without a reload and the other way round, once each and in the same seq order on both pages; a
// person's own messages look different from the others'; HTML typed by a user is shown as text.

import type { Page } from '@playwright/test';
import assert from 'node:assert/strict';
import { test } from '../src/fixtures.js';
import { adminApi, composer, openRoom, sel, shownMessages, T, waitOnline } from '../src/chat.js';

test('two people chat live: each sees the other\'s messages once, in the same order', async ({ browser, baseURL, admin }) => {
  const baseUrl = baseURL!;
  const api = await adminApi(baseUrl, admin);
  const alice = await api.createUser('alice', 'Alice Archer');
  const bob = await api.createUser('bob', 'Bob Baker');
  const room = await api.createRoom('Two users', [alice, bob]);

  const a = await openRoom(browser, baseUrl, alice, room.id);
  const b = await openRoom(browser, baseUrl, bob, room.id);
  // Both have joined the room live: each sees the other online.
  await waitOnline(a.page, bob);
  await waitOnline(b.page, alice);

  const send = async (page: Page, text: string) => {
    await composer(page).fill(text);
    await page.keyboard.press('Enter');
  };
  const stored = (page: Page, text: string) => page.locator(sel.stored, { hasText: text });

  // Alice → Bob, with HTML in it.
  const fromAlice = `Hi Bob, this is <b>x</b> & <img src=x onerror="window.__xss=1"> ${Date.now()}`;
  await send(a.page, fromAlice);
  await stored(b.page, fromAlice).waitFor({ timeout: T.live });
  await stored(a.page, fromAlice).waitFor({ timeout: T.live });
  assert.equal(await stored(b.page, fromAlice).count(), 1, 'Bob sees Alice\'s message once');
  assert.equal(await stored(a.page, fromAlice).count(), 1, 'Alice sees her message once (no pending copy left)');
  assert.equal(await a.page.locator(`${sel.item}[data-pending]`).count(), 0, 'nothing is left pending on Alice\'s page');

  // Typed HTML is text: the characters show, no element is made from them.
  const onBob = stored(b.page, fromAlice);
  assert.equal(await onBob.locator('b, img').count(), 0, 'no <b> or <img> element from user text');
  assert.ok((await onBob.locator('.text').textContent()).includes('<b>x</b> & <img src=x'), 'the markup shows literally');
  assert.equal(await b.page.evaluate(() => window.__xss), undefined, 'no handler ran');

  // Bob → Alice.
  const fromBob = `Hello Alice, got it ${Date.now()}`;
  await send(b.page, fromBob);
  await stored(a.page, fromBob).waitFor({ timeout: T.live });
  assert.equal(await stored(a.page, fromBob).count(), 1, 'Alice sees Bob\'s reply once');

  // A quick exchange keeps its order on both pages.
  const burst = [];
  for (let i = 1; i <= 3; i++) {
    const fromA = `ping ${i} from Alice`;
    const fromB = `pong ${i} from Bob`;
    burst.push(fromA, fromB);
    await send(a.page, fromA);
    await stored(b.page, fromA).waitFor({ timeout: T.live });
    await send(b.page, fromB);
    await stored(a.page, fromB).waitFor({ timeout: T.live });
  }
  await stored(b.page, burst.at(-1)).waitFor({ timeout: T.live });
  const onA = await shownMessages(a.page);
  const onB = await shownMessages(b.page);
  assert.deepEqual(
    onA.map((m) => [m.seq, m.text]),
    onB.map((m) => [m.seq, m.text]),
    'both pages show the same messages with the same seqs',
  );
  assert.deepEqual(
    onA.map((m) => m.text),
    [fromAlice, fromBob, ...burst],
    'in the order they were sent',
  );
  const seqs = onA.map((m) => m.seq);
  assert.ok(
    seqs.every((s, i) => i === 0 || s > seqs[i - 1]),
    `seqs strictly increase: ${seqs.join(', ')}`,
  );

  // Own and other messages differ: grouping classes, "(you)" and the bubble's colours.
  const style = (page: Page, text: string) =>
    stored(page, text).evaluate((el) => {
      const group = el.closest('section.group');
      const css = getComputedStyle(el);
      return {
        kind: [...group.classList].find((c) => c.startsWith('group-')),
        author: group.querySelector('.author')?.textContent?.trim(),
        background: css.backgroundColor,
        color: css.color,
      };
    });
  const ownOnA = await style(a.page, fromAlice);
  const otherOnA = await style(a.page, fromBob);
  assert.equal(ownOnA.kind, 'group-own');
  assert.equal(otherOnA.kind, 'group-other');
  assert.equal(ownOnA.author, 'Alice Archer (you)');
  assert.equal(otherOnA.author, 'Bob Baker');
  assert.notEqual(ownOnA.background, otherOnA.background, `own and other bubbles differ (${ownOnA.background} vs ${otherOnA.background})`);
  const ownOnB = await style(b.page, fromBob);
  const otherOnB = await style(b.page, fromAlice);
  assert.equal(ownOnB.kind, 'group-own');
  assert.equal(otherOnB.kind, 'group-other');
  assert.equal(otherOnB.author, 'Alice Archer');
  assert.equal(ownOnB.background, ownOnA.background, 'own messages look alike on both pages');

  a.watch.assertNone();
  b.watch.assertNone();
});
