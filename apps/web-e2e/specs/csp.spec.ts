// The console runs under the server's Content-Security-Policy: the header is on the page, and
// signing in, joining a room, sending (Markdown included) and receiving report no violation.

import assert from 'node:assert/strict';
import { test } from '../src/fixtures.js';
import { adminApi, composer, openRoom, sel, T } from '../src/chat.js';

declare global {
  interface Window {
    __cspViolations?: string[];
  }
}

test('the console works under the CSP and reports no violation', async ({ browser, baseURL, admin }) => {
  const baseUrl = baseURL!;
  const api = await adminApi(baseUrl, admin);
  const user = await api.createUser('Csp', 'Csp Tester');
  const room = await api.createRoom('csp', [user]);

  const { context, page, watch } = await openRoom(browser, baseUrl, user, room.id);
  try {
    // Violations from here on (the reload below covers boot as well).
    await context.addInitScript(() => {
      window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations!.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const response = await page.reload();
    const csp = response?.headers()['content-security-policy'] ?? '';
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /script-src 'self'/);
    await page.locator(sel.connected).waitFor({ timeout: T.page });

    const text = `under **csp** ${Date.now()}`;
    await composer(page).fill(text);
    await page.keyboard.press('Enter');
    await page.locator('[data-testid=message-item][data-seq]', { hasText: 'under' }).waitFor({ timeout: T.live });
    await page.waitForTimeout(500);

    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    watch.assertNone();
  } finally {
    await context.close();
  }
});
