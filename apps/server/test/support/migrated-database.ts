import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { UserRole } from '@chat/contract';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { runMigrations } from '../../src/database/migrate.js';
import { createTestDatabase, TestDatabase } from './postgres.js';

/** A fresh database built by the real migrations, without the app: for a repository's "medium" specs. */
export interface MigratedDatabase {
  dataSource: DataSource;
  /** Inserts a user row directly (repositories under test do not hash passwords). */
  addUser(role?: UserRole): Promise<{ id: string; username: string; role: UserRole }>;
  /** Inserts a room row directly. */
  addRoom(id: string, visibility?: 'public' | 'private'): Promise<void>;
  close(): Promise<void>;
}

export async function openMigratedDatabase(): Promise<MigratedDatabase> {
  // As quiet as the app in tests (LOG_LEVEL=error): the migrations log each step.
  Logger.overrideLogger(['error']);
  const database: TestDatabase = await createTestDatabase();
  const dataSource = await new DataSource(dataSourceOptions(database.url)).initialize();
  await runMigrations(dataSource);
  return {
    dataSource,
    addUser: async (role = 'staff') => {
      const id = randomUUID();
      const username = `user-${id.slice(0, 8)}`;
      await dataSource.query(`INSERT INTO users (id, username, display_name, role, password_hash) VALUES ($1, $2, $2, $3, 'x')`, [id, username, role]);
      return { id, username, role };
    },
    addRoom: async (id, visibility = 'public') => {
      await dataSource.query(`INSERT INTO rooms (id, name, visibility) VALUES ($1, $1, $2)`, [id, visibility]);
    },
    close: async () => {
      await dataSource.destroy();
      await database.drop();
    },
  };
}
