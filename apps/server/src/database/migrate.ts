import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';

// Any fixed 64-bit number; every instance agrees on it.
const MIGRATION_LOCK_KEY = 7_340_221_905;

/**
 * Runs pending migrations under a Postgres advisory lock, so instances starting together do not
 * race each other through the same migration.
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const logger = new Logger('Migrations');
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    for (const migration of applied) logger.log(`Applied ${migration.name}`);
    return applied.map((m) => m.name);
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.release();
  }
}
