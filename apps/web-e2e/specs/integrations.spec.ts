// API keys and webhooks in a real browser: a staff member makes a key on their own page and uses
// it, a service account's message shows its bot badge, and an admin adds a webhook and reads its
// deliveries.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from '../src/fixtures.js';
import { adminApi, restClient, signedInPage, T, until } from '../src/chat.js';

test('a staff member creates, uses and revokes an API key; bot messages are badged; an admin adds a webhook', async ({ browser, baseURL, admin }) => {
  const baseUrl = baseURL!;
  const api = await adminApi(baseUrl, admin);
  const rest = restClient(baseUrl);
  const bob = await api.createUser('Keyholder', 'Kim Keyholder');

  const { page, watch } = await signedInPage(browser, baseUrl, bob, '/rooms/general');
  await page.getByTestId('keys-link').click();
  await page.getByLabel('Name').fill('nightly export');
  await page.getByLabel('messages:write').check();
  await page.getByRole('button', { name: 'Create key' }).click();
  const shown = page.getByTestId('new-key-value');
  await shown.waitFor({ timeout: T.live });
  const key = (await shown.innerText()).trim();
  assert.match(key, /^tck_/);

  const posted = await rest.call<{ id: string }>('POST', '/rooms/general/messages', { token: key, body: { content: 'sent with a key' } });
  assert.ok(posted.id);
  await page.reload();
  const item = page.getByTestId('key-item').filter({ hasText: 'nightly export' });
  await item.waitFor({ timeout: T.page });
  assert.ok(!(await item.innerText()).includes('last used never'), 'the use is recorded');
  await item.getByRole('button', { name: 'Revoke nightly export' }).click();
  await page.getByText('No keys yet.').waitFor({ timeout: T.live });
  await rest.call('GET', '/rooms/general/messages', { token: key, expect: [401] });

  // A service account's message, seen in the room with its badge.
  const bot = await rest.call<{ id: string }>('POST', '/users', { token: api.token, body: { username: `ci_${Date.now()}`, displayName: 'CI Robot', role: 'service' } });
  const botKey = await rest.call<{ key: string }>('POST', `/users/${bot.id}/api-keys`, { token: api.token, body: { name: 'ci', scopes: ['messages:write'] } });
  await rest.call('POST', '/rooms/general/messages', { token: botKey.key, body: { content: 'build 812 passed' } });
  await page.getByRole('link', { name: 'Rooms' }).click();
  await page.goto(`${baseUrl}/rooms/general`);
  const botGroup = page.locator('section.group', { hasText: 'build 812 passed' });
  await botGroup.waitFor({ timeout: T.live });
  assert.equal((await botGroup.getByTestId('bot-badge').innerText()).trim(), 'bot');

  // An admin's webhook, to a receiver here.
  const received: string[] = [];
  const receiver = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      received.push(raw);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const adminPage = await signedInPage(browser, baseUrl, { id: '', username: admin.username, displayName: 'Administrator', password: admin.password, token: '' }, '/admin');
    await adminPage.page.getByRole('link', { name: 'Webhooks' }).click();
    await adminPage.page.getByLabel('URL').fill(url);
    await adminPage.page.getByRole('button', { name: 'Add webhook' }).click();
    await adminPage.page.getByTestId('new-hook-secret').waitFor({ timeout: T.live });
    assert.match(await adminPage.page.getByTestId('new-hook-secret').innerText(), /^whsec_/);
    await postAs(rest, bob.token, 'hooked from the browser spec');
    await until(() => received.some((r) => r.includes('hooked from the browser spec')), 'the delivery');
    const hook = adminPage.page.getByTestId('hook-item').filter({ hasText: url });
    await hook.getByRole('button', { name: 'Deliveries' }).click();
    await hook.getByTestId('delivery-item').filter({ hasText: 'delivered' }).first().waitFor({ timeout: T.live });
    await hook.getByRole('button', { name: 'Delete' }).click();
    await adminPage.page.getByTestId('hook-item').filter({ hasText: url }).waitFor({ state: 'detached', timeout: T.live });
    adminPage.watch.assertNone();
  } finally {
    receiver.close();
  }
  watch.assertNone();
});

function postAs(rest: ReturnType<typeof restClient>, token: string, content: string) {
  return rest.call('POST', '/rooms/general/messages', { token, body: { content } });
}
