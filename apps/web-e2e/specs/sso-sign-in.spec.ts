// Single sign-on in a real browser: the sign-in page offers "Sign in with SSO", the identity
// provider (a real oidc-provider started by the global setup) asks who you are, and the console
// comes back signed in, on the page it was opened at, with a live connection.

import assert from 'node:assert/strict';
import { test } from '../src/fixtures.js';
import { sel, T, watchErrors } from '../src/chat.js';
import { SSO_ACCOUNT } from '../src/harness-paths.js';

test('signs in through the identity provider and lands in the console', async ({ browser, baseURL }) => {
  const baseUrl = baseURL!;
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const watch = watchErrors(page, SSO_ACCOUNT.name);
    await page.goto(`${baseUrl}/rooms/general`);
    const sso = page.getByRole('link', { name: 'Sign in with SSO' });
    await sso.waitFor({ timeout: T.page });
    await sso.click();

    // The provider's own page, on its own origin.
    await page.waitForURL((url) => url.origin !== baseUrl && url.pathname.startsWith('/interaction/'), { timeout: T.page });
    await page.getByLabel('Username').fill(SSO_ACCOUNT.preferred_username);
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.waitForURL((url) => url.origin === baseUrl && url.pathname === '/rooms/general', { timeout: T.page });
    await page.locator(sel.connected).waitFor({ timeout: T.page });
    await page.getByText(SSO_ACCOUNT.name).first().waitFor({ timeout: T.page });
    const session = await page.evaluate(() => JSON.parse(sessionStorage.getItem('chat.session') ?? 'null') as { user: { username: string; role: string } } | null);
    assert.equal(session?.user.username, SSO_ACCOUNT.preferred_username);
    assert.equal(session?.user.role, 'staff');
    // The one-time code is gone from the address bar and the history entry.
    assert.equal(new URL(page.url()).hash, '');
    watch.assertNone();
  } finally {
    await context.close();
  }
});
