/**
 * Idle connections: `idleSockets` authenticated sockets (then twice as many), each joined to one of
 * `idleRooms` rooms and held open, on the full stack and on the seed's bare server, each server in a
 * process of its own (idle-server.ts). Reports resident memory per held socket (after a full GC,
 * against the same process before the first connection) and `join_room` latency while they are held.
 * The clients are on this process's main thread: nothing else runs during this part.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { Socket } from 'socket.io-client';
import type { FromIdleServer, ToIdleServer } from './idle-server.js';
import type { Percentiles } from './load-protocol.js';
import type { BenchOptions } from './options.js';
import { formatTable, log, ms, num, ratio } from './report.js';
import { connect, inBatches, join } from './sockets.js';
import { percentiles } from './stats.js';

type Cleanup = { name: string; run: () => Promise<unknown> };

interface Memory {
  rss: number;
  heapUsed: number;
  /** V8's committed heap: what of the RSS growth V8 keeps reserved beyond the live objects. */
  heapTotal: number;
  external: number;
}

export interface IdleStep {
  sockets: number;
  memory: Memory;
  /** Per held socket, against the server before the first connection. */
  rssPerSocket: number;
  heapPerSocket: number;
  joinMs: Percentiles;
}

export interface IdleServerResult {
  kind: 'bare' | 'full';
  base: Memory;
  connectMs: number;
  steps: IdleStep[];
}

export interface IdleResults {
  rooms: number;
  bare: IdleServerResult;
  full: IdleServerResult;
}

class IdleServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly ready: Extract<FromIdleServer, { type: 'ready' }>,
  ) {}

  static async start(kind: 'bare' | 'full', options: BenchOptions): Promise<IdleServer> {
    const child = fork(new URL('./idle-server.js', import.meta.url), [kind, options.pgAdminUrl, String(options.idleRooms)], {
      execArgv: ['--enable-source-maps'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = await new Promise<Extract<FromIdleServer, { type: 'ready' }>>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`idle ${kind} server exited with code ${code}`)));
      child.once('message', (message: FromIdleServer) => (message.type === 'ready' ? resolve(message) : reject(new Error(`idle ${kind} server: unexpected ${message.type}`))));
    });
    child.removeAllListeners('exit');
    return new IdleServer(child, ready);
  }

  private ask<T extends FromIdleServer['type']>(message: ToIdleServer, answer: T): Promise<Extract<FromIdleServer, { type: T }>> {
    return new Promise((resolve) => {
      const on = (reply: FromIdleServer) => {
        if (reply.type !== answer) return;
        this.child.off('message', on);
        resolve(reply as Extract<FromIdleServer, { type: T }>);
      };
      this.child.on('message', on);
      this.child.send(message);
    });
  }

  async memory(): Promise<Memory> {
    const { rss, heapUsed, heapTotal, external } = await this.ask({ type: 'measure' }, 'memory');
    return { rss, heapUsed, heapTotal, external };
  }

  async snapshot(path: string): Promise<string> {
    return (await this.ask({ type: 'snapshot', path }, 'snapshot')).path;
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send({ type: 'close' } satisfies ToIdleServer);
    await exited;
  }
}

/** `count` joins one after another, each on a held socket into a room it is not in yet (a real join, not a re-join). */
async function timeJoins(sockets: Socket[], kind: 'bare' | 'full', rooms: string[], count: number, step: number): Promise<Percentiles> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const index = (i * 7919 + step) % sockets.length;
    // Socket n is in rooms[n % rooms.length]; the next room over is new to it.
    const room = rooms[(index + 1 + step) % rooms.length];
    const start = performance.now();
    await join(sockets[index], kind, room);
    samples.push(performance.now() - start);
  }
  return percentiles(Float64Array.from(samples));
}

async function holdSockets(kind: 'bare' | 'full', options: BenchOptions, cleanups: Cleanup[]): Promise<IdleServerResult> {
  const server = await IdleServer.start(kind, options);
  cleanups.push({ name: `idle ${kind} server`, run: () => server.close() });
  const { url, tokens, rooms } = server.ready;
  log(`idle ${kind}: server on ${url} in its own process`);
  const sockets: Socket[] = [];
  cleanups.push({ name: `idle ${kind} sockets`, run: async () => sockets.forEach((s) => s.close()) });
  // Settle the server's start-up garbage and lazy initialisation first: one socket in and out.
  const probe = await connect(url, tokens[0]);
  await join(probe, kind, rooms[0]);
  probe.close();
  await new Promise((resolve) => setTimeout(resolve, 500));
  const base = await server.memory();
  const steps: IdleStep[] = [];
  let connectMs = 0;
  for (const [stepIndex, target] of [options.idleSockets, options.idleSockets * 2].entries()) {
    const start = performance.now();
    const added = await inBatches(
      Array.from({ length: target - sockets.length }, (_, i) => sockets.length + i),
      200,
      async (n) => {
        const socket = await connect(url, tokens[n % tokens.length]);
        await join(socket, kind, rooms[n % rooms.length]);
        return socket;
      },
    );
    sockets.push(...added);
    connectMs += performance.now() - start;
    // Let the sockets' first heartbeat and any deferred work settle before reading memory.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const memory = await server.memory();
    if (process.env['BENCH_IDLE_SNAPSHOT_DIR']) log(`idle ${kind}: heap snapshot ${await server.snapshot(`${process.env['BENCH_IDLE_SNAPSHOT_DIR']}/idle-${kind}-${target}.heapsnapshot`)}`);
    const joinMs = await timeJoins(sockets, kind, rooms, options.idleJoins, stepIndex);
    const step: IdleStep = {
      sockets: target,
      memory,
      rssPerSocket: (memory.rss - base.rss) / target,
      heapPerSocket: (memory.heapUsed - base.heapUsed) / target,
      joinMs,
    };
    steps.push(step);
    log(
      `idle ${kind}: ${num(target)} sockets held, rss +${num((memory.rss - base.rss) / 1024 / 1024)} MB (${num(step.rssPerSocket / 1024)} KB each), ` +
        `heap +${num(step.heapPerSocket / 1024)} KB each; ${options.idleJoins} joins p50 ${ms(joinMs.p50)} p99 ${ms(joinMs.p99)} ms`,
    );
  }
  await cleanups.pop()!.run(); // sockets
  await cleanups.pop()!.run(); // server
  return { kind, base, connectMs, steps };
}

export async function measureIdle(options: BenchOptions, cleanups: Cleanup[]): Promise<IdleResults> {
  const bare = await holdSockets('bare', options, cleanups);
  const full = await holdSockets('full', options, cleanups);
  return { rooms: options.idleRooms, bare, full };
}

const heapTotalPerSocket = (server: IdleServerResult, step: IdleStep) => (step.memory.heapTotal - server.base.heapTotal) / step.sockets;

export function reportIdle(options: BenchOptions, { bare, full, rooms }: IdleResults): void {
  console.log(`\n== Idle connections: authenticated sockets each joined to one of ${rooms} rooms and held; each server in its own process, memory after a full GC ==`);
  const kb = (bytes: number) => ms(bytes / 1024);
  const rows: string[][] = [];
  bare.steps.forEach((b, i) => {
    const f = full.steps[i];
    rows.push(
      [`${num(b.sockets)} sockets: RSS growth KB per socket`, kb(b.rssPerSocket), kb(f.rssPerSocket), ratio(f.rssPerSocket, b.rssPerSocket)],
      ['  heap growth KB per socket (live objects)', kb(b.heapPerSocket), kb(f.heapPerSocket), ratio(f.heapPerSocket, b.heapPerSocket)],
      ['  committed heap growth KB per socket', kb(heapTotalPerSocket(bare, b)), kb(heapTotalPerSocket(full, f)), ratio(heapTotalPerSocket(full, f), heapTotalPerSocket(bare, b))],
      [`  join_room p50 ms (${options.idleJoins} joins, one at a time)`, ms(b.joinMs.p50), ms(f.joinMs.p50), ratio(f.joinMs.p50, b.joinMs.p50)],
      ['  join_room p99 ms', ms(b.joinMs.p99), ms(f.joinMs.p99), ratio(f.joinMs.p99, b.joinMs.p99)],
    );
  });
  rows.push(['connecting + joining all, s', ms(bare.connectMs / 1000), ms(full.connectMs / 1000), ratio(full.connectMs, bare.connectMs)]);
  console.log(formatTable(['', 'bare (seed)', 'full stack', 'full/bare'], rows));
}
