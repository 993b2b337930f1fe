// The console on a phone (360×740, mobile viewport, touch): sign in, pick a room from the list
// (the list and the room take turns on a narrow screen), send a message by tapping, get an
// assistant reply with a wide code block, and go back to the list. At every step nothing scrolls
// sideways, and the composer is on screen and tappable.

import assert from 'node:assert/strict';
import { expect, test } from '../src/fixtures.js';
import type { Locator } from '@playwright/test';
import { adminApi, askAiToggle, composer, loginPassword, loginUsername, postMessage, sel, sendButton, signInButton, T, watchErrors } from '../src/chat.js';

const WIDTH = 360;
const HEIGHT = 740;

test('the console works on a phone: list, room, tap to send, a wide code block, back', async ({ browser, baseURL, admin, fake }) => {
  const baseUrl = baseURL!;
  const api = await adminApi(baseUrl, admin);
  const gina = await api.createUser('gina', 'Gina Onthego');
  const hal = await api.createUser('hal', 'Hal Desk');
  const room = await api.createRoom('Phone', [gina, hal], { aiEnabled: true });
  // Something wide already in the room: a long unbroken word from someone else.
  await postMessage(baseUrl, hal, room.id, `See ${'https://example.com/a/very/long/path/'.repeat(6)} before lunch`);

  const context = await browser.newContext({
    viewport: { width: WIDTH, height: HEIGHT },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  const page = await context.newPage();
  const watch = watchErrors(page, 'phone');

  /** Nothing scrolls sideways and nothing shown sticks out of the screen. */
  const assertFits = async (where: string) => {
    const fit = await page.evaluate((width) => {
      const root = document.scrollingElement;
      const outside = [...document.querySelectorAll('[data-testid=message-item], [data-testid=composer], [data-testid=room-item], header')]
        .filter((el) => el.getClientRects().length > 0)
        .map((el) => ({ el, r: el.getBoundingClientRect() }))
        .filter(({ r }) => r.left < -1 || r.right > width + 1)
        .map(({ el, r }) => `${el.getAttribute('data-testid') ?? el.tagName} ${Math.round(r.left)}..${Math.round(r.right)}`);
      return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, outside };
    }, WIDTH);
    assert.ok(fit.scrollWidth <= fit.clientWidth, `${where}: no horizontal scrolling (scrollWidth ${fit.scrollWidth} > clientWidth ${fit.clientWidth})`);
    assert.deepEqual(fit.outside, [], `${where}: elements outside the ${WIDTH} px screen`);
  };
  /** The element is inside the viewport and is what a tap at its centre hits. */
  const assertTappable = async (target: Locator, what: string) => {
    await target.waitFor({ state: 'visible', timeout: T.quick });
    const box = await target.boundingBox();
    assert.ok(box && box.x >= 0 && box.y >= 0 && box.x + box.width <= WIDTH + 1 && box.y + box.height <= HEIGHT + 1, `${what} is on screen (${JSON.stringify(box)})`);
    const hit = await target.evaluate((el) => {
      const r = el.getBoundingClientRect();
      const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return top === el || el.contains(top);
    });
    assert.ok(hit, `${what} is not covered by anything`);
  };

  // Sign in; the room list fills the screen.
  await page.goto(`${baseUrl}/rooms`);
  await page.locator('[data-testid=login-form]').waitFor({ timeout: T.page });
  await assertFits('sign-in');
  await loginUsername(page).tap();
  await loginUsername(page).fill(gina.username);
  await loginPassword(page).fill(gina.password);
  await signInButton(page).tap();
  await page.waitForURL((url) => url.pathname === '/rooms', { timeout: T.page });
  await page.locator(sel.connected).waitFor({ timeout: T.page });
  const item = page.locator(`[data-testid=room-item][data-room-id="${room.id}"]`);
  await item.waitFor({ timeout: T.live });
  await assertFits('room list');

  // Open the room by tapping it: the room replaces the list.
  await item.tap();
  await page.waitForURL((url) => url.pathname === `/rooms/${room.id}`, { timeout: T.page });
  await page.locator(sel.stored, { hasText: 'before lunch' }).waitFor({ timeout: T.live });
  assert.equal(await page.locator('[data-testid=room-list]').isVisible(), false, 'the list gives way to the room');
  await assertFits('room');
  await assertTappable(composer(page), 'the message field');
  await assertTappable(sendButton(page), 'the Send button');

  // Send by tapping.
  const text = `Sent from my phone ${Date.now()}`;
  await composer(page).tap();
  await composer(page).pressSequentially(text, { delay: 5 });
  await expect(sendButton(page)).toBeEnabled();
  await sendButton(page).tap();
  const sent = page.locator(sel.stored, { hasText: text });
  await sent.waitFor({ timeout: T.live });
  assert.equal(await sent.count(), 1, 'the message appears once');
  assert.equal(await composer(page).inputValue(), '', 'the composer is cleared');
  await assertFits('after sending');
  await assertTappable(composer(page), 'the message field after sending');
  const sentBox = await sent.boundingBox();
  const composerBox = await page.locator('[data-testid=composer]').boundingBox();
  assert.ok(sentBox.y + sentBox.height <= composerBox.y + 1, 'the new message shows above the composer, scrolled into view');

  // An assistant reply with a code line far wider than the screen scrolls inside its block only.
  await fake.enqueue({
    kind: 'stream',
    tokens: ['Try this:\n\n', '```bash\n', `curl -H 'Accept: application/json' ${'https://example.com/api/v1/very/long/endpoint/'.repeat(3)}\n`, '```\n'],
    delayMs: 20,
  });
  await askAiToggle(page).tap();
  await expect(askAiToggle(page)).toHaveAttribute('aria-pressed', 'true', { timeout: T.quick });
  await composer(page).tap();
  await composer(page).fill('How do I call the API?');
  await expect(sendButton(page)).toBeEnabled();
  await sendButton(page).tap();
  const reply = page.locator(`${sel.item}[data-ai=true][data-status=complete]`);
  await reply.locator('pre code.hljs').waitFor({ timeout: T.live });
  await assertFits('with a wide code block');
  const pre = await reply.locator('pre').evaluate((el) => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth, right: el.getBoundingClientRect().right }));
  assert.ok(pre.scrollWidth > pre.clientWidth, 'the code block scrolls sideways itself');
  assert.ok(pre.right <= WIDTH, `the code block fits the screen (right edge ${pre.right})`);
  await assertTappable(composer(page), 'the message field after the reply');

  // Back to the list.
  await page.locator('a.back').tap();
  await page.waitForURL((url) => url.pathname === '/rooms', { timeout: T.page });
  await item.waitFor({ timeout: T.live });
  await assertFits('back on the list');

  watch.assertNone();
});
