import { reachable, startEmbeddedForTests } from './postgres.ts';

/** Uses the machine's PostgreSQL when it answers; otherwise starts an embedded one for this run. */
export default async function globalSetup(): Promise<void> {
  if (process.env['TEST_PG_ADMIN_URL']) return;
  if (await reachable('127.0.0.1', 5432)) return;
  const embedded = await startEmbeddedForTests();
  process.env['TEST_PG_ADMIN_URL'] = embedded.adminUrl;
  (globalThis as { __chatEmbeddedPg?: typeof embedded }).__chatEmbeddedPg = embedded;
}
