// The console's main path in a real browser: a shared room link asks for sign-in and comes back to
// the room, a sent message appears once with its seq and survives a reload, and a 360 px phone
// shows the room without horizontal scrolling. No console errors or uncaught exceptions anywhere.

import assert from 'node:assert/strict';
import type { Page } from '@playwright/test';
import { test } from '../src/fixtures.js';
import { composer, loginPassword, loginUsername, signInButton } from '../src/chat.js';

test('a room link asks for sign-in, a sent message survives a reload, and a phone shows it without sideways scrolling', async ({ browser, baseURL, admin }) => {
  const baseUrl = baseURL!;
  const errors: string[] = [];
  const watch = (page: Page, name: string) => {
    page.on('console', (msg) => msg.type() === 'error' && errors.push(`[${name}] ${msg.text()}`));
    page.on('pageerror', (err) => errors.push(`[${name}] ${err.stack ?? err}`));
  };
  const signIn = async (page: Page) => {
    await loginUsername(page).fill(admin.username);
    await loginPassword(page).fill(admin.password);
    await signInButton(page).click();
  };

  const desktop = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await desktop.newPage();
  watch(page, 'desktop');

  await page.goto(`${baseUrl}/rooms/general`);
  await page.waitForSelector('[data-testid=login-form]', { timeout: 15_000 });
  assert.equal(await page.title(), 'Team Chat');
  await signIn(page);
  await page.waitForURL(/\/rooms\/general$/, { timeout: 15_000 });
  await page.waitForSelector('[data-testid=connection-indicator][data-state=connected]', { timeout: 15_000 });
  await page.waitForSelector('[data-testid=room-item][data-room-id=general]');
  await page.waitForSelector('[data-testid=members-panel]');

  const text = `e2e hello ${Date.now()}`;
  await composer(page).fill(text);
  await page.keyboard.press('Enter');
  const sent = page.locator('[data-testid=message-item][data-seq]', { hasText: text });
  await sent.waitFor({ timeout: 10_000 });
  assert.equal(await sent.count(), 1, 'the message appears once');
  const seq = Number(await sent.getAttribute('data-seq'));
  assert.ok(seq >= 1, `a stored message has its seq (got ${seq})`);
  assert.equal(await composer(page).inputValue(), '', 'the composer is cleared');

  await page.reload();
  await page.locator(`[data-testid=message-item][data-seq="${seq}"]`, { hasText: text }).waitFor({ timeout: 10_000 });

  const phone = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const small = await phone.newPage();
  watch(small, 'phone');
  await small.goto(`${baseUrl}/rooms/general`);
  await small.waitForSelector('[data-testid=login-form]', { timeout: 15_000 });
  await signIn(small);
  await small.locator('[data-testid=message-item]', { hasText: text }).waitFor({ timeout: 15_000 });
  const overflow = await small.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling at 360 px (overflow ${overflow} px)`);

  await page.waitForTimeout(500);
  assert.deepEqual(errors, [], `console errors:\n${errors.join('\n')}`);
});
