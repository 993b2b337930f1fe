import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app/create-app.js';
import { dataSourceOptions, MIGRATIONS } from '../../src/database/data-source-options.js';
import { runMigrations } from '../../src/database/migrate.js';
import { createTestDatabase, TestDatabase } from '../support/postgres.js';
import { testConfig } from '../support/test-config.js';

// TypeORM records a migration under its class name.
const ALL_MIGRATIONS = MIGRATIONS.map((migration) => migration.name);
const CORE_TABLES = ['messages', 'migrations', 'room_members', 'rooms', 'users'];

describe('database migrations', () => {
  const databases: TestDatabase[] = [];
  const dataSources: DataSource[] = [];
  const apps: NestExpressApplication[] = [];

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await Promise.all(dataSources.splice(0).map((ds) => (ds.isInitialized ? ds.destroy() : undefined)));
    await Promise.all(databases.splice(0).map((db) => db.drop()));
  });

  async function freshDatabase(): Promise<TestDatabase> {
    const database = await createTestDatabase();
    databases.push(database);
    return database;
  }

  async function connect(url: string): Promise<DataSource> {
    const dataSource = await new DataSource(dataSourceOptions(url)).initialize();
    dataSources.push(dataSource);
    return dataSource;
  }

  async function tables(dataSource: DataSource): Promise<string[]> {
    const rows = await dataSource.query<{ table_name: string }[]>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    );
    return rows.map((r) => r.table_name);
  }

  it('should start two instances at once on a fresh database, migrating and seeding it exactly once', async () => {
    const { url } = await freshDatabase();
    const start = async () => {
      const app = await createApp(testConfig(url, { ADMIN_USERNAME: 'admin', ADMIN_PASSWORD: 'admin-password-for-tests' }));
      apps.push(app);
      await app.listen(0, '127.0.0.1');
      return app;
    };
    const started = await Promise.all([start(), start()]);

    const db = await connect(url);
    expect(await tables(db)).toEqual(expect.arrayContaining(CORE_TABLES));
    expect((await db.query<{ name: string }[]>('SELECT name FROM migrations ORDER BY id')).map((r) => r.name)).toEqual(ALL_MIGRATIONS);
    expect(await db.query('SELECT username, role FROM users')).toEqual([{ username: 'admin', role: 'admin' }]);
    expect(await db.query('SELECT id FROM rooms')).toEqual([{ id: 'general' }]);

    for (const app of started) {
      const { port } = app.getHttpServer().address() as { port: number };
      const response = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: 'admin-password-for-tests' }),
      });
      expect(response.status).toBe(200);
    }
  });

  it('should apply every migration once and then nothing (what `npm run migration:run` does)', async () => {
    const { url } = await freshDatabase();
    const db = await connect(url);
    expect(await runMigrations(db)).toEqual(ALL_MIGRATIONS);
    expect(await runMigrations(db)).toEqual([]);
    expect(await tables(db)).toEqual(expect.arrayContaining(CORE_TABLES));
    expect(await db.query('SELECT count(*)::int AS n FROM migrations')).toEqual([{ n: ALL_MIGRATIONS.length }]);
  });

  it('should let two migration runs race on a fresh database, one applying and the other finding nothing to do', async () => {
    const { url } = await freshDatabase();
    const [first, second] = await Promise.all([connect(url), connect(url)]);
    const applied = await Promise.all([runMigrations(first), runMigrations(second)]);
    expect(applied.flat()).toEqual(ALL_MIGRATIONS);
    // The lock is released: a later run gets it at once.
    expect(await runMigrations(first)).toEqual([]);
  });

  it('should leave an already migrated database alone on the next start', async () => {
    const { url } = await freshDatabase();
    const db = await connect(url);
    await runMigrations(db);
    await db.query(`INSERT INTO rooms (id, name, visibility) VALUES ('kept', 'Kept', 'public')`);
    const app = await createApp(testConfig(url));
    apps.push(app);
    await app.init();
    // The database was not empty of rooms, so no "general" is added; the admin is (there were no users).
    expect(await db.query('SELECT id FROM rooms')).toEqual([{ id: 'kept' }]);
    expect(await db.query('SELECT count(*)::int AS n FROM users')).toEqual([{ n: 1 }]);
  });
});
