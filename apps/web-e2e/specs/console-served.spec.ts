// The server serves the built console at its root, and the console boots without a single
// console error or uncaught exception.

import assert from 'node:assert/strict';
import { test } from '../src/fixtures.js';

test('the server serves the console, which boots without console errors', async ({ browser, baseURL }) => {
  const baseUrl = baseURL!;
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    const pageErrors: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') {
        const { url, lineNumber } = msg.location();
        consoleErrors.push(`${msg.text()}${url ? ` (${url}:${lineNumber})` : ''}`);
      }
    });
    page.on('pageerror', (err) => pageErrors.push(err.stack ?? String(err)));

    const response = await page.goto(baseUrl, { waitUntil: 'load' });
    assert.ok(response, `no response for ${baseUrl}`);
    assert.equal(response.status(), 200, `GET ${baseUrl} answered ${response.status()}`);
    assert.match(response.headers()['content-type'] ?? '', /text\/html/);

    // Angular has bootstrapped once it has rendered something inside <app-root>.
    await page.waitForFunction(() => (document.querySelector('app-root')?.childElementCount ?? 0) > 0, null, {
      timeout: 15_000,
    });
    assert.equal(await page.title(), 'Team Chat');

    // Give late async work (first HTTP calls, socket connect) a moment to report errors.
    await page.waitForTimeout(1_000);

    assert.deepEqual(pageErrors, [], `uncaught exceptions in the page:\n${pageErrors.join('\n')}`);
    assert.deepEqual(consoleErrors, [], `console errors:\n${consoleErrors.join('\n')}`);
  } finally {
    await context.close();
  }
});
