/**
 * One server for the idle-connection benchmark, in a process of its own (idle-bench.ts forks it), so
 * its resident memory is the server's alone: no clients, no other server's leftovers in the heap.
 * argv: `bare` or `full`, then the admin database URL and the room count.
 */
import 'reflect-metadata';
import { writeHeapSnapshot } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { startBareServer } from './bare-server.js';
import { createBenchDatabase, createRooms, startFullStack } from './full-stack.js';

export type ToIdleServer = { type: 'measure' } | { type: 'snapshot'; path: string } | { type: 'close' };
export type FromIdleServer =
  | { type: 'ready'; url: string; tokens: (string | null)[]; rooms: string[] }
  | { type: 'memory'; rss: number; heapUsed: number; heapTotal: number; external: number }
  | { type: 'snapshot'; path: string }
  | { type: 'closed' };

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const send = (message: FromIdleServer) => process.send!(message);

async function main(): Promise<void> {
  const [kind, adminUrl, roomCountText] = process.argv.slice(2);
  const roomCount = Number(roomCountText);
  let close: () => Promise<void>;
  if (kind === 'bare') {
    const bare = await startBareServer();
    close = () => bare.close();
    send({ type: 'ready', url: bare.url, tokens: [null], rooms: Array.from({ length: roomCount }, (_, i) => `idle-${i}`) });
  } else {
    const db = await createBenchDatabase(adminUrl);
    // One socket per room per user at most: 10,000 sockets over 50 users is 200 each.
    const full = await startFullStack(db.url, roomCount, { SOCKETS_PER_USER: '100000' });
    const rooms = await createRooms(full, 'idle', roomCount);
    close = async () => {
      await full.close();
      await db.drop();
    };
    send({ type: 'ready', url: full.url, tokens: full.users.map((u) => u.token), rooms: rooms.map((r) => r.roomId) });
  }
  process.on('message', (message: ToIdleServer) => {
    if (message.type === 'measure') {
      // Twice: the first pass can leave what only a second one frees (weak references, finalisers).
      gc();
      gc();
      const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
      send({ type: 'memory', rss, heapUsed, heapTotal, external });
    } else if (message.type === 'snapshot') {
      gc();
      send({ type: 'snapshot', path: writeHeapSnapshot(message.path) });
    } else {
      void close().finally(() => {
        send({ type: 'closed' });
        process.exit(0);
      });
    }
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
