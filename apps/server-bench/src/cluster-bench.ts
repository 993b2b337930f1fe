/**
 * Two instances joined through Redis against one: senders on instance A, receivers split over A
 * and B. First Socket.IO's two Redis adapters on bare servers (what the adapter alone costs, the
 * basis of the app's choice), then the full stack: one instance without Redis, then two with it,
 * on fresh databases. Reports deliveries/s of two instances against one (goal >= 0.6) and the p50
 * latency a cross-instance delivery adds at light load (receivers on B minus receivers on A in
 * the same run; goal <= 3 ms).
 */
import { createAdapter } from '@socket.io/redis-adapter';
import { createAdapter as createStreamsAdapter } from '@socket.io/redis-streams-adapter';
import { Redis } from 'ioredis';
import { deleteKeysWithPrefix } from '@chat/server-testing';
import { startBareServer } from './bare-server.js';
import { createBenchDatabase, startFullStack } from './full-stack.js';
import { loadTag, type LoadDriver, type LoadOutcome, type Measured } from './load-driver.js';
import type { Correctness, LoadSpec } from './load-protocol.js';
import type { BenchOptions } from './options.js';
import { formatTable, log, ms, num, ratio } from './report.js';

const ROOM_ID = 'general';

type Cleanup = { name: string; run: () => Promise<unknown> };

export interface ClusterResults {
  bare: { name: string; outcome: LoadOutcome }[];
  one: LoadOutcome;
  two: LoadOutcome;
}

function spec(options: BenchOptions, kind: LoadSpec['kind'], urls: string[], receiverTokens: (string | null)[], senderTokens: (string | null)[]): LoadSpec {
  return {
    kind,
    url: urls[0],
    receiverUrls: urls.length > 1 ? urls : undefined,
    roomId: ROOM_ID,
    receiverTokens,
    senderTokens,
    warmupMessages: options.warmupMessages,
    runs: [
      { label: 'fan-out', senders: options.senders, window: options.window, messages: options.messages },
      { label: 'light', senders: 1, window: 1, messages: options.lightMessages },
    ],
    contentLength: options.contentLength,
    drainTimeoutMs: options.drainTimeoutMs,
    tag: loadTag(),
  };
}

async function redisClient(url: string): Promise<Redis | null> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return client;
  } catch {
    client.disconnect();
    return null;
  }
}

const nulls = (n: number): null[] => Array.from({ length: n }, () => null);

/** Null when no Redis answers at BENCH_REDIS_URL (the section is skipped, and says so). */
export async function measureCluster(options: BenchOptions, driver: LoadDriver, cleanups: Cleanup[]): Promise<ClusterResults | null> {
  const probe = await redisClient(options.redisUrl);
  if (!probe) {
    log(`two instances: no Redis at ${options.redisUrl}, skipped (BENCH_REDIS_URL)`);
    return null;
  }
  const prefix = `bench:${loadTag()}:`;
  cleanups.push({ name: 'bench Redis keys', run: () => deleteKeysWithPrefix(probe, prefix).finally(() => probe.disconnect()) });

  // 1. The adapters alone, on the seed's bare server.
  const bare: ClusterResults['bare'] = [];
  const adapters: { name: string; make: (n: number) => Promise<{ adapter: Parameters<typeof startBareServer>[0]; close: () => void }> }[] = [
    {
      name: '@socket.io/redis-adapter (pub/sub)',
      make: async (n) => {
        const pub = new Redis(options.redisUrl);
        const sub = pub.duplicate();
        return { adapter: createAdapter(pub, sub, { key: `${prefix}bare-pubsub${n}` }), close: () => (pub.disconnect(), sub.disconnect()) };
      },
    },
    {
      name: '@socket.io/redis-streams-adapter',
      make: async (n) => {
        const client = new Redis(options.redisUrl);
        return { adapter: createStreamsAdapter(client, { streamName: `${prefix}bare-streams${n}` }), close: () => client.disconnect() };
      },
    },
  ];
  for (const [n, { name, make }] of adapters.entries()) {
    const made = [await make(n), await make(n)];
    const servers = [await startBareServer(made[0].adapter), await startBareServer(made[1].adapter)];
    const outcome = await driver.load(spec(options, 'bare', servers.map((s) => s.url), nulls(options.receivers), nulls(options.senders)), null);
    log(`bare, two servers, ${name}: fan-out ${num(deliveriesPerSec(outcome.measured[0]))} deliveries/s`);
    bare.push({ name, outcome });
    for (const server of servers) await server.close();
    for (const m of made) m.close();
  }

  // 2. The full stack: one instance without Redis, then two with it.
  const receiverUsers = Math.min(options.receivers, options.receiverUsers);
  const userCount = receiverUsers + options.senders;
  const oneDb = await createBenchDatabase(options.pgAdminUrl);
  cleanups.push({ name: `drop database ${oneDb.name}`, run: () => oneDb.drop() });
  const single = await startFullStack(oneDb.url, userCount);
  const tokensOf = (users: { token: string }[]) => {
    const tokens = users.map((u) => u.token);
    return { receivers: Array.from({ length: options.receivers }, (_, r) => tokens[r % receiverUsers]), senders: tokens.slice(receiverUsers, receiverUsers + options.senders) };
  };
  const singleTokens = tokensOf(single.users);
  const one = await driver.load(spec(options, 'full', [single.url], singleTokens.receivers, singleTokens.senders), null);
  await single.close();
  log(`one instance: fan-out ${num(deliveriesPerSec(one.measured[0]))} deliveries/s`);

  const twoDb = await createBenchDatabase(options.pgAdminUrl);
  cleanups.push({ name: `drop database ${twoDb.name}`, run: () => twoDb.drop() });
  const clusterEnv = { REDIS_URL: options.redisUrl, REDIS_KEY_PREFIX: prefix };
  const a = await startFullStack(twoDb.url, userCount, clusterEnv);
  cleanups.push({ name: 'instance A', run: () => a.close() });
  const b = await startFullStack(twoDb.url, 0, clusterEnv);
  cleanups.push({ name: 'instance B', run: () => b.close() });
  const twoTokens = tokensOf(a.users);
  const two = await driver.load(spec(options, 'full', [a.url, b.url], twoTokens.receivers, twoTokens.senders), null);
  log(`two instances: fan-out ${num(deliveriesPerSec(two.measured[0]))} deliveries/s`);
  await cleanups.pop()!.run();
  await cleanups.pop()!.run();
  return { bare, one, two };
}

const deliveriesPerSec = (m: Measured) => (m.run.deliveries / m.run.deliverMs) * 1000;
const p50 = (m: Measured, group?: number) => (group === undefined ? m.run.latencyMs?.p50 : m.run.latencyByUrlMs?.[group]?.p50) ?? NaN;
/** p50 of receivers on the other instance minus those on the senders' instance, in the same run. */
const added = (m: Measured) => p50(m, 1) - p50(m, 0);

export function reportCluster(options: BenchOptions, results: ClusterResults): void {
  const [onef, onel] = results.one.measured;
  const [twof, twol] = results.two.measured;
  console.log(
    `\n== Two instances through Redis: ${options.receivers} receivers split over A and B, senders on A (${options.senders} x window ${options.window}, ${num(options.messages)} msgs; light: 1 x 1, ${num(options.lightMessages)} msgs) ==`,
  );
  console.log(
    formatTable(
      ['bare servers, two joined by', 'deliveries/s', 'light p50 on A', 'light p50 on B', 'added by crossing'],
      results.bare.map(({ name, outcome }) => {
        const [f, l] = outcome.measured;
        return [name, num(deliveriesPerSec(f)), ms(p50(l, 0)), ms(p50(l, 1)), ms(added(l))];
      }),
    ),
  );
  console.log(
    '\n' +
      formatTable(
        ['full stack', 'one instance', 'two instances', 'two/one', 'goal'],
        [
          ['deliveries/s (fan-out)', num(deliveriesPerSec(onef)), num(deliveriesPerSec(twof)), ratio(deliveriesPerSec(twof), deliveriesPerSec(onef)), '>= 0.60'],
          ['fan-out latency p50 ms', ms(p50(onef)), ms(p50(twof)), '', ''],
          ['light p50 ms, receivers on A', ms(p50(onel)), ms(p50(twol, 0)), '', ''],
          ['light p50 ms, receivers on B (crossing Redis)', '', ms(p50(twol, 1)), '', ''],
          ['added by a cross-instance delivery, p50 ms', '', ms(added(twol)), '', '<= 3'],
        ],
      ),
  );
}

export function clusterFaults(results: ClusterResults): string[] {
  const sets: [string, LoadOutcome][] = [...results.bare.map(({ name, outcome }): [string, LoadOutcome] => [`bare ${name}`, outcome]), ['one instance', results.one], ['two instances', results.two]];
  return sets.flatMap(([name, outcome]) =>
    [outcome.result.warmup, outcome.result.outside, ...outcome.result.runs.map((r) => r.correctness)].flatMap((c: Correctness) =>
      (Object.keys(c) as (keyof Correctness)[]).filter((k) => c[k] !== 0).map((k) => `${name}: ${k} = ${c[k]}`),
    ),
  );
}
