import { DataSource } from 'typeorm';
import type { ApiKeyScope, CreatedApiKey, UserAdminView } from '@chat/contract';
import type { TestApp } from './test-app.js';

/** Creates an API key for the token's user (or, with `forUserId`, an admin's key for a service account). */
export async function createKey(
  t: TestApp,
  token: string,
  body: { name?: string; scopes: ApiKeyScope[]; roomIds?: string[] | null; expiresAt?: string },
  forUserId?: string,
): Promise<CreatedApiKey> {
  const path = forUserId ? `/api/users/${forUserId}/api-keys` : '/api/api-keys';
  const { status, body: created } = await t.http<CreatedApiKey>('POST', path, { token, body: { name: 'test key', ...body } });
  if (status !== 201) throw new Error(`create key failed: ${status} ${JSON.stringify(created)}`);
  return created;
}

/** A service account, created by the admin. */
export async function createServiceAccount(t: TestApp, name = `bot_${Math.random().toString(36).slice(2, 8)}`): Promise<UserAdminView> {
  const { status, body } = await t.http<UserAdminView>('POST', '/api/users', { token: t.adminToken, body: { username: name, displayName: `${name} bot`, role: 'service' } });
  if (status !== 201) throw new Error(`create service account failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

/** Direct SQL on the app's database, for states no route produces (an expiry in the past). */
export function sql(t: TestApp): DataSource {
  return t.app.get(DataSource);
}
