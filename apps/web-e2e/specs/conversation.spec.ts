// The conversation features in the console, each as a person uses them: editing and deleting one's
// message, reacting, replying in a thread, unread counts that survive a reload, a browser
// notification for a mention while the tab is hidden, and a search hit opened in its context.
// Two people in two browser contexts; every change must reach the other page live.

import type { Page } from '@playwright/test';
import assert from 'node:assert/strict';
import { expect, test } from '../src/fixtures.js';
import { adminApi, composer, openRoom, postMessage, restClient, sel, signedInPage, T, waitOnline } from '../src/chat.js';

const stored = (page: Page, text: string) => page.locator(sel.stored, { hasText: text });

async function send(page: Page, text: string) {
  await composer(page).fill(text);
  await page.keyboard.press('Enter');
  await stored(page, text).waitFor({ timeout: T.live });
}

/** Alice and Bob in one private room, both looking at it and each seeing the other online. */
async function twoInARoom(browser: Parameters<typeof openRoom>[0], baseUrl: string, admin: { username: string; password: string }, name: string) {
  const api = await adminApi(baseUrl, admin);
  const alice = await api.createUser('alice', 'Alice Archer');
  const bob = await api.createUser('bob', 'Bob Baker');
  const room = await api.createRoom(name, [alice, bob]);
  const a = await openRoom(browser, baseUrl, alice, room.id);
  const b = await openRoom(browser, baseUrl, bob, room.id);
  await waitOnline(a.page, bob);
  await waitOnline(b.page, alice);
  return { api, alice, bob, room, a, b };
}

test('edit: the author fixes a typo and everyone sees the new text marked (edited)', async ({ browser, baseURL, admin }) => {
  const { a, b } = await twoInARoom(browser, baseURL!, admin, 'Edit');
  const original = `Lunch at noen ${Date.now()}`;
  await send(a.page, original);
  await stored(b.page, original).waitFor({ timeout: T.live });

  const mine = stored(a.page, original);
  await mine.hover();
  await mine.getByRole('button', { name: 'Edit message' }).click();
  const field = a.page.getByLabel('Edit message');
  await expect(field).toBeFocused();
  const fixed = original.replace('noen', 'noon');
  await field.fill(fixed);
  await field.press('Enter');

  for (const page of [a.page, b.page]) {
    const item = stored(page, fixed);
    await expect(item.getByTestId('message-edited')).toHaveText('(edited)', { timeout: T.live });
    await expect(stored(page, 'noen')).toHaveCount(0);
  }
  // Only the author may edit: Bob's copy offers no Edit.
  await stored(b.page, fixed).hover();
  await expect(stored(b.page, fixed).getByRole('button', { name: 'Edit message' })).toHaveCount(0);
  a.watch.assertNone();
  b.watch.assertNone();
});

test('delete: the author takes a message back and it stays as a tombstone on both pages', async ({ browser, baseURL, admin }) => {
  const { a, b } = await twoInARoom(browser, baseURL!, admin, 'Delete');
  const keep = `Keep this ${Date.now()}`;
  const gone = `Oops, wrong room ${Date.now()}`;
  await send(a.page, keep);
  await send(a.page, gone);
  await stored(b.page, gone).waitFor({ timeout: T.live });
  const seq = await stored(a.page, gone).getAttribute('data-seq');

  await stored(a.page, gone).hover();
  await stored(a.page, gone).getByRole('button', { name: 'Delete message' }).click();
  await a.page.getByTestId('delete-confirm-button').click();

  for (const page of [a.page, b.page]) {
    const tombstone = page.locator(`${sel.stored}[data-seq="${seq}"]`);
    await expect(tombstone.getByTestId('message-deleted')).toHaveText('This message was deleted.', { timeout: T.live });
    await expect(stored(page, gone)).toHaveCount(0);
    await expect(stored(page, keep)).toHaveCount(1);
  }
  a.watch.assertNone();
  b.watch.assertNone();
});

test('react: a reaction chip counts who reacted, names them, and toggles', async ({ browser, baseURL, admin }) => {
  const { a, b } = await twoInARoom(browser, baseURL!, admin, 'React');
  const text = `Shipped the release ${Date.now()}`;
  await send(a.page, text);
  await stored(b.page, text).waitFor({ timeout: T.live });

  // Bob reacts from the picker, by keyboard.
  const onBob = stored(b.page, text);
  await onBob.hover();
  await onBob.getByRole('button', { name: 'Add a reaction' }).click();
  await b.page.getByRole('button', { name: 'React with 🎉' }).press('Enter');

  const chipOnAlice = stored(a.page, text).locator('[data-testid=reaction-chip][data-emoji="🎉"]');
  await expect(chipOnAlice).toHaveText('🎉1', { timeout: T.live });
  await expect(chipOnAlice).toHaveAttribute('aria-pressed', 'false');
  await expect(chipOnAlice).toHaveAttribute('title', 'Bob Baker reacted with 🎉');

  // Alice adds hers by pressing the chip; Bob sees two, his own pressed.
  await chipOnAlice.click();
  const chipOnBob = onBob.locator('[data-testid=reaction-chip][data-emoji="🎉"]');
  await expect(chipOnBob).toHaveText('🎉2', { timeout: T.live });
  await expect(chipOnBob).toHaveAttribute('aria-pressed', 'true');
  // And takes it back.
  await chipOnAlice.click();
  await expect(chipOnBob).toHaveText('🎉1', { timeout: T.live });
  await expect(chipOnAlice).toHaveAttribute('aria-pressed', 'false');
  a.watch.assertNone();
  b.watch.assertNone();
});

test('thread reply: a reply goes into the thread panel, and the root counts it on both pages', async ({ browser, baseURL, admin }) => {
  const { a, b } = await twoInARoom(browser, baseURL!, admin, 'Thread');
  const question = `Who reviews the budget? ${Date.now()}`;
  await send(b.page, question);
  await stored(a.page, question).waitFor({ timeout: T.live });

  await stored(a.page, question).hover();
  await stored(a.page, question).getByRole('button', { name: 'Reply in thread' }).click();
  const panel = a.page.getByTestId('thread-panel');
  await expect(panel.locator(sel.stored, { hasText: question })).toHaveCount(1);
  const reply = `I will, by Friday ${Date.now()}`;
  await panel.getByLabel('Reply in thread').fill(reply);
  await panel.getByLabel('Reply in thread').press('Enter');
  await expect(panel.locator(sel.stored, { hasText: reply })).toHaveCount(1, { timeout: T.live });

  // The reply stays out of the room's own timeline; the root says 1 reply, on both pages.
  const main = (page: Page) => page.locator(`chat-room-page .conversation ${sel.stored}`);
  await expect(main(a.page).filter({ hasText: reply })).toHaveCount(0);
  const summaryOnBob = stored(b.page, question).getByTestId('thread-summary');
  await expect(summaryOnBob).toContainText('1 reply', { timeout: T.live });
  await expect(main(b.page).filter({ hasText: reply })).toHaveCount(0);
  await summaryOnBob.click();
  await expect(b.page.getByTestId('thread-panel').locator(sel.stored, { hasText: reply })).toHaveCount(1);
  await expect(stored(a.page, question).getByTestId('thread-summary')).toContainText('1 reply');
  a.watch.assertNone();
  b.watch.assertNone();
});

test('unread after reload: badges and the new-messages divider come from the server\'s read position', async ({ browser, baseURL, admin }) => {
  const baseUrl = baseURL!;
  const api = await adminApi(baseUrl, admin);
  const alice = await api.createUser('alice', 'Alice Archer');
  const bob = await api.createUser('bob', 'Bob Baker');
  const here = await api.createRoom('Here', [alice, bob]);
  const elsewhere = await api.createRoom('Elsewhere', [alice, bob]);
  const seen = await postMessage(baseUrl, bob, elsewhere.id, 'Read before');

  const a = await openRoom(browser, baseUrl, alice, elsewhere.id);
  await stored(a.page, 'Read before').waitFor({ timeout: T.live });
  // Alice has seen "Read before"; then she moves to another room and Bob writes three more.
  await a.page.locator(`[data-testid=room-item][data-room-id="${here.id}"]`).click();
  await a.page.waitForURL(`**/rooms/${here.id}`);
  for (const text of ['One', 'Two', 'Three']) await postMessage(baseUrl, bob, elsewhere.id, `${text} unread`);

  const badge = (page: Page) => page.locator(`[data-testid=room-item][data-room-id="${elsewhere.id}"] [data-testid=room-unread]`);
  await expect(badge(a.page)).toContainText('3', { timeout: T.live });
  await a.page.reload();
  await a.page.locator(sel.connected).waitFor({ timeout: T.page });
  await expect(badge(a.page)).toContainText('3', { timeout: T.live });

  // Opening the room shows the divider right before the first unread message, and clears the badge.
  await a.page.locator(`[data-testid=room-item][data-room-id="${elsewhere.id}"]`).click();
  const divider = a.page.getByTestId('new-messages-divider');
  await expect(divider).toBeVisible({ timeout: T.live });
  const firstAfter = await divider.evaluate((el) => el.nextElementSibling?.textContent ?? '');
  assert.ok(firstAfter.includes('One unread'), `the divider stands before the first unread message (found "${firstAfter.trim()}")`);
  await expect(badge(a.page)).toHaveCount(0, { timeout: T.live });

  // The read position is the server's: after another reload nothing is unread, and GET /api/rooms agrees.
  await a.page.reload();
  await a.page.locator(sel.connected).waitFor({ timeout: T.page });
  await expect(a.page.locator(`[data-testid=room-item][data-room-id="${elsewhere.id}"]`)).toBeVisible();
  await expect(badge(a.page)).toHaveCount(0);
  const rooms = await restClient(baseUrl).call<{ id: string; lastReadSeq: number; unreadCount: number }[]>('GET', '/rooms', { token: alice.token });
  const position = rooms.find((r) => r.id === elsewhere.id);
  assert.equal(position?.unreadCount, 0);
  assert.ok((position?.lastReadSeq ?? 0) >= seen.seq + 3, `read up to the newest (${position?.lastReadSeq})`);
  a.watch.assertNone();
});

/** Records every Notification the page makes, and lets the spec hide the tab. */
async function recordNotifications(page: Page) {
  await page.addInitScript(() => {
    const w = window as unknown as { __notifications: { title: string; body?: string }[]; __permissionAsks: number; __hidden: boolean; Notification: typeof Notification };
    w.__notifications = [];
    w.__permissionAsks = 0;
    w.__hidden = false;
    const Real = w.Notification;
    // The context has the permission; the page sees "default" until it asks, as a first visit would.
    let asked = false;
    class Recorded extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        w.__notifications.push({ title, body: options?.body });
      }
      static override get permission(): NotificationPermission {
        return asked ? Real.permission : 'default';
      }
      static override requestPermission(): Promise<NotificationPermission> {
        w.__permissionAsks++;
        asked = true;
        return Real.requestPermission();
      }
    }
    w.Notification = Recorded;
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (w.__hidden ? 'hidden' : 'visible') });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => w.__hidden });
  });
}

test('mention notification: asked for once from a button, then shown for a mention while the tab is hidden', async ({ browser, baseURL, admin }) => {
  const baseUrl = baseURL!;
  const api = await adminApi(baseUrl, admin);
  const alice = await api.createUser('alice', 'Alice Archer');
  const bob = await api.createUser('bob', 'Bob Baker');
  const room = await api.createRoom('Mentions', [alice, bob]);
  const quiet = await api.createRoom('Quiet', [alice]);

  const { context, page, watch } = await signedInPage(browser, baseUrl, alice, `/rooms/${quiet.id}`, {
    contextOptions: { permissions: ['notifications'] },
    beforeLoad: recordNotifications,
  });

  // Nothing is asked on load; the in-app prompt asks once, when pressed, and goes away.
  const prompt = page.getByTestId('notifications-prompt');
  await expect(prompt).toBeVisible();
  assert.equal(await page.evaluate(() => (window as unknown as { __permissionAsks: number }).__permissionAsks), 0);
  await prompt.getByRole('button', { name: 'Turn on' }).click();
  await expect(prompt).toHaveCount(0);
  assert.equal(await page.evaluate(() => (window as unknown as { __permissionAsks: number }).__permissionAsks), 1);

  // Visible tab: a mention shows in the room list, not as a notification.
  await postMessage(baseUrl, bob, room.id, `@${alice.username} first`);
  await expect(page.locator(`[data-testid=room-item][data-room-id="${room.id}"] [data-testid=room-mentions]`)).toContainText('1', { timeout: T.live });
  // Hidden tab: the next mention becomes a browser notification.
  await page.evaluate(() => ((window as unknown as { __hidden: boolean }).__hidden = true));
  const text = `@${alice.username} can you check the invoice? ${Date.now()}`;
  await postMessage(baseUrl, bob, room.id, text);
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { __notifications: { title: string; body?: string }[] }).__notifications), { timeout: T.live })
    .toEqual([{ title: 'Bob Baker mentioned you', body: text }]);
  watch.assertNone();
  await context.close();
});

test('search to context: a hit in old history opens its room around it, highlighted', async ({ browser, baseURL, admin }) => {
  const baseUrl = baseURL!;
  const api = await adminApi(baseUrl, admin);
  const alice = await api.createUser('alice', 'Alice Archer');
  const bob = await api.createUser('bob', 'Bob Baker');
  const room = await api.createRoom('Search', [alice, bob]);
  const word = `zebracorn${Date.now().toString(36)}`;
  // The hit is older than the newest page the room opens with (50).
  let hit: Awaited<ReturnType<typeof postMessage>> | undefined;
  for (let i = 1; i <= 70; i++) {
    const posted = await postMessage(baseUrl, bob, room.id, i === 5 ? `The ${word} <b>plan</b> is ready` : `filler message ${i}`);
    if (i === 5) hit = posted;
  }
  const a = await openRoom(browser, baseUrl, alice, room.id);
  await expect(a.page.locator(`${sel.stored}[data-message-id="${hit!.id}"]`)).toHaveCount(0);

  await a.page.getByLabel('Search messages').fill(word);
  await a.page.getByLabel('Search messages').press('Enter');
  const result = a.page.locator(`[data-testid=search-result][data-message-id="${hit!.id}"]`);
  await expect(result).toBeVisible({ timeout: T.live });
  // The snippet marks the hit and shows the typed markup as text.
  await expect(result.locator('mark')).toHaveText(word);
  await expect(result.locator('b')).toHaveCount(0);
  await expect(result).toContainText('<b>plan</b>');

  await result.click();
  await a.page.waitForURL((url) => url.searchParams.get('highlight') === hit!.id);
  const shown = a.page.locator(`${sel.stored}[data-message-id="${hit!.id}"]`);
  await expect(shown).toHaveClass(/highlighted/, { timeout: T.live });
  await expect(shown).toBeInViewport();
  // Back to the newest messages.
  await a.page.getByTestId('jump-to-latest').click();
  await expect(stored(a.page, 'filler message 70')).toBeVisible({ timeout: T.live });
  a.watch.assertNone();
});

test('owner: invites and removes a member and changes the room\'s settings', async ({ browser, baseURL, admin }) => {
  const baseUrl = baseURL!;
  const api = await adminApi(baseUrl, admin);
  const alice = await api.createUser('alice', 'Alice Archer');
  const carol = await api.createUser('carol', 'Carol Cole');
  // Alice (staff) owns a private room; she shares no room with Carol and finds her in the directory.
  const own = await restClient(baseUrl).call<{ id: string }>('POST', '/rooms', { token: alice.token, body: { name: `Alice's ${Date.now()}`, visibility: 'private' } });
  const a = await openRoom(browser, baseUrl, alice, own.id);
  const panel = a.page.getByTestId('members-panel');
  await expect(panel).toBeVisible();

  await panel.getByRole('button', { name: '+ Invite' }).click();
  await panel.getByLabel('Invite someone').fill('carol');
  await panel.getByRole('button', { name: 'Invite Carol Cole' }).click();
  const carolRow = panel.locator(`[data-testid=member-item][data-user-id="${carol.id}"]`);
  await expect(carolRow).toBeVisible({ timeout: T.live });
  const members = await restClient(baseUrl).call<{ userId: string }[]>('GET', `/rooms/${own.id}/members`, { token: alice.token });
  assert.ok(members.some((m) => m.userId === carol.id), 'Carol is a member on the server');

  await carolRow.getByRole('button', { name: 'Remove Carol Cole from the room' }).click();
  await carolRow.getByRole('button', { name: 'Confirm removing Carol Cole' }).click();
  await expect(carolRow).toHaveCount(0, { timeout: T.live });

  const renamed = `Renamed ${Date.now()}`;
  await a.page.getByRole('button', { name: 'Settings' }).click();
  const dialog = a.page.getByRole('dialog', { name: 'Room settings' });
  await dialog.getByLabel('Name').fill(renamed);
  await dialog.getByLabel('Description').fill('Where the plans live');
  await dialog.getByLabel('The AI assistant answers in this room').uncheck();
  await dialog.getByLabel('Assistant instructions (system prompt)').fill('Answer in French.');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(a.page.locator('.room-head h2')).toContainText(renamed, { timeout: T.live });
  await expect(a.page.getByRole('button', { name: 'Ask AI' })).toBeDisabled();
  const saved = await restClient(baseUrl).call<{ name: string; description: string; aiEnabled: boolean; systemPrompt: string }>('GET', `/rooms/${own.id}`, { token: alice.token });
  assert.deepEqual(
    { name: saved.name, description: saved.description, aiEnabled: saved.aiEnabled, systemPrompt: saved.systemPrompt },
    { name: renamed, description: 'Where the plans live', aiEnabled: false, systemPrompt: 'Answer in French.' },
  );
  a.watch.assertNone();
});
