// History loads on scroll: a room with 120 messages opens on its newest page only, at the bottom;
// scrolling the message list to the top loads the page before it, prepended without the view
// jumping (the messages the reader was looking at stay where they were), until the start of the
// conversation. Every message ends up shown once, in seq order.

import assert from 'node:assert/strict';
import { test } from '../src/fixtures.js';
import { adminApi, openRoom, postMessage, sel, shownMessages, T, until } from '../src/chat.js';

const TOTAL = 120;
/** The console's history page size (DEFAULT_CHAT_CONFIG.historyPageSize). */
const PAGE = 50;

test('history loads page by page on scroll without the view jumping', async ({ browser, baseURL, admin, log }) => {
  const baseUrl = baseURL!;
  const api = await adminApi(baseUrl, admin);
  const writer = await api.createUser('carol', 'Carol Writer');
  const reader = await api.createUser('dave', 'Dave Reader');
  const room = await api.createRoom('History', [writer, reader]);

  const t0 = Date.now();
  const seqs = [];
  for (let i = 1; i <= TOTAL; i++) {
    const m = await postMessage(baseUrl, writer, room.id, `history message ${String(i).padStart(3, '0')}`);
    seqs.push(m.seq);
  }
  log(`seeded ${TOTAL} messages in ${Date.now() - t0} ms`);
  const first = seqs[0];
  const last = seqs.at(-1);
  assert.equal(last - first, TOTAL - 1, 'the seeded messages have consecutive seqs');

  const { page, watch } = await openRoom(browser, baseUrl, reader, room.id);
  const list = page.locator(sel.list);
  await page.locator(`${sel.stored}[data-seq="${last}"]`).waitFor({ timeout: T.live });

  // Only the newest page is rendered, and the view starts at the bottom.
  let shown = await shownMessages(page);
  assert.equal(shown.length, PAGE, `the newest page only (${shown.length} messages rendered)`);
  assert.deepEqual(
    shown.map((m) => m.seq),
    seqs.slice(-PAGE),
    'the newest page, in seq order',
  );
  assert.equal(shown[0].text, `history message ${String(TOTAL - PAGE + 1).padStart(3, '0')}`);
  const metrics = () =>
    list.evaluate((el) => ({ top: el.scrollTop, height: el.scrollHeight, client: el.clientHeight, fromBottom: el.scrollHeight - el.scrollTop - el.clientHeight }));
  const opened = await metrics();
  assert.ok(opened.height > opened.client * 2, `the page overflows the list (${opened.height} px in ${opened.client} px)`);
  assert.ok(opened.fromBottom <= 2, `the room opens at the bottom (${opened.fromBottom} px from it)`);
  assert.equal(await page.locator('[data-testid=load-older]').count(), 1, 'older messages are announced');

  /** Scrolls the list to its top as a reader would (mouse wheel), then waits until a lower seq than `oldest` is rendered. */
  const scrollUpPast = async (oldest: number) => {
    const box = await list.boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const anchor = page.locator(`${sel.stored}[data-seq="${oldest}"]`);
    await until(
      async () => {
        if ((await page.locator(`${sel.stored}[data-seq="${oldest - 1}"]`).count()) > 0) return true;
        await page.mouse.wheel(0, -4000);
        return false;
      },
      `a message older than seq ${oldest}`,
      { interval: 250 },
    );
    // The message that was at the top is still on screen, near the top: the view did not jump.
    const where = await anchor.evaluate((el) => {
      const scroller = el.closest('[data-testid=message-list]');
      const a = el.getBoundingClientRect();
      const s = scroller.getBoundingClientRect();
      return { offset: a.top - s.top, visible: a.bottom > s.top && a.top < s.bottom, client: scroller.clientHeight };
    });
    return where;
  };

  // First older page.
  const oldestBefore = shown[0].seq;
  const where = await scrollUpPast(oldestBefore);
  await page.locator('[data-testid=load-older]:not([disabled])').or(page.locator(`${sel.list} .start`)).first().waitFor({ timeout: T.live });
  const afterFirst = await metrics();
  shown = await shownMessages(page);
  log(`after the first older page: ${shown.length} rendered, anchor at ${Math.round(where.offset)} px, ${Math.round(afterFirst.fromBottom)} px from the bottom`);
  assert.equal(shown.length, PAGE * 2, `one more page (${shown.length} messages rendered)`);
  assert.deepEqual(
    shown.map((m) => m.seq),
    seqs.slice(-PAGE * 2),
    'the older page is prepended in seq order',
  );
  assert.ok(where.visible, `the message that was at the top (seq ${oldestBefore}) is still in view (offset ${where.offset} px)`);
  assert.ok(afterFirst.top > 0, `the list is not scrolled to the very top after the load (scrollTop ${afterFirst.top})`);
  assert.ok(afterFirst.fromBottom > afterFirst.client, `the view did not jump to the bottom (${afterFirst.fromBottom} px from it)`);

  // The rest, down to the start of the conversation.
  await scrollUpPast(shown[0].seq);
  await page.locator(`${sel.list} .start`).waitFor({ timeout: T.live });
  shown = await shownMessages(page);
  assert.deepEqual(
    shown.map((m) => m.seq),
    seqs,
    'all 120 messages, each once, in seq order',
  );
  assert.equal(shown[0].text, 'history message 001');
  assert.equal(await page.locator('[data-testid=load-older]').count(), 0, 'nothing older is announced at the start');
  assert.ok((await metrics()).fromBottom > afterFirst.client, 'still not at the bottom');

  watch.assertNone();
});
