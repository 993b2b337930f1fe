// The operations pages in a real browser: the per-instance table, the audit log answering "who
// removed this user from that room", the token budgets edited by an admin, and what is left shown
// to a staff member in the chat sidebar.

import assert from 'node:assert/strict';
import { test } from '../src/fixtures.js';
import { adminApi, restClient, signedInPage, T } from '../src/chat.js';

test('an admin reads the instances and the audit log, sets a budget, and a staff member sees it used up', async ({ browser, baseURL, admin }) => {
  const baseUrl = baseURL!;
  const api = await adminApi(baseUrl, admin);
  const rest = restClient(baseUrl);
  const bob = await api.createUser('Bob', 'Bob Builder');
  const room = await api.createRoom('Finance', [bob]);
  await rest.call('DELETE', `/rooms/${room.id}/members/${bob.id}`, { token: api.token });

  const { page, watch } = await signedInPage(browser, baseUrl, { id: '', username: admin.username, displayName: 'Administrator', password: admin.password, token: '' }, '/admin');
  const instances = page.getByTestId('admin-instances');
  await instances.locator('tbody tr').first().waitFor({ timeout: T.page });
  assert.equal(await instances.locator('tbody tr').count(), 1, 'one row: this instance');

  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.getByLabel('Action').selectOption('room.member_removed');
  await page.getByLabel('Room').fill(room.id);
  await page.getByRole('button', { name: 'Filter' }).click();
  const rows = page.getByTestId('audit-entries').locator('tbody tr');
  await rows.filter({ hasText: 'room.member_removed' }).first().waitFor({ timeout: T.live });
  assert.equal(await rows.count(), 1, 'only the matching entry');
  const row = (await rows.first().innerText()).replace(/\s+/g, ' ');
  assert.match(row, new RegExp(`room\\.member_removed ${admin.username}`));
  assert.ok(row.includes(bob.username), `the entry names Bob (${row})`);

  await page.getByRole('link', { name: 'Usage & budgets' }).click();
  const daily = page.getByLabel('Daily tokens for staff');
  await daily.waitFor({ timeout: T.page });
  await daily.fill('0');
  await page.getByRole('button', { name: 'Save staff budget' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved the staff budget.' }).waitFor({ timeout: T.live });
  const quotas = await rest.call<{ roles: { role: string; dailyTokens: number | null }[] }>('GET', '/admin/quotas', { token: api.token });
  assert.deepEqual(quotas.roles.find((r) => r.role === 'staff'), { role: 'staff', dailyTokens: 0, monthlyTokens: null });

  const bobPage = await signedInPage(browser, baseUrl, bob, '/rooms/general');
  await bobPage.page.getByTestId('quota-status').filter({ hasText: 'Assistant budget used up' }).waitFor({ timeout: T.live });

  // Back to unlimited, through the same form.
  await daily.fill('');
  await page.getByRole('button', { name: 'Save staff budget' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved the staff budget.' }).waitFor({ timeout: T.live });
  const after = await rest.call<{ roles: { role: string; dailyTokens: number | null }[] }>('GET', '/admin/quotas', { token: api.token });
  assert.equal(after.roles.find((r) => r.role === 'staff')?.dailyTokens, null);

  watch.assertNone();
  bobPage.watch.assertNone();
});
