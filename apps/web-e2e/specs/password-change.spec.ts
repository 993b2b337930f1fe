// A password reset by an admin works once, for choosing a new one: the console asks for it right
// after sign-in, then goes on to the rooms with a live connection; the old password no longer works.

import assert from 'node:assert/strict';
import { test } from '../src/fixtures.js';
import { adminApi, loginPassword, loginUsername, restClient, sel, signInButton, T, watchErrors } from '../src/chat.js';

test('a reset password must be changed at sign-in, and the console then works', async ({ browser, baseURL, admin }) => {
  const baseUrl = baseURL!;
  const api = await adminApi(baseUrl, admin);
  const user = await api.createUser('Reset', 'Reset Person');
  const rest = restClient(baseUrl);
  const temporary = 'temporary-reset-pass';
  await rest.call('POST', `/users/${user.id}/password`, { token: api.token, body: { newPassword: temporary } });

  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const watch = watchErrors(page, user.displayName);
    await page.goto(`${baseUrl}/rooms/general`);
    await page.locator('[data-testid=login-form]').waitFor({ timeout: T.page });
    await loginUsername(page).fill(user.username);
    await loginPassword(page).fill(temporary);
    await signInButton(page).click();

    await page.getByLabel('New password', { exact: true }).waitFor({ timeout: T.page });
    await page.getByLabel('New password', { exact: true }).fill('chosen by me at last');
    await page.getByLabel('Repeat new password').fill('chosen by me at last');
    await page.getByRole('button', { name: 'Change password' }).click();

    await page.waitForURL((url) => url.pathname === '/rooms/general', { timeout: T.page });
    await page.locator(sel.connected).waitFor({ timeout: T.page });
    watch.assertNone();
  } finally {
    await context.close();
  }

  await rest.call('POST', '/auth/login', { body: { username: user.username, password: temporary }, expect: [401] });
  const session = await rest.login(user.username, 'chosen by me at last');
  assert.equal(session.user.id, user.id);
});
