/**
 * The performance issue's goals in one table: each goal's measured ratio or value from this run and
 * PASS/MISS. Every ratio is against a baseline measured in the same run, so it holds on a noisy machine.
 */
import type { AiResults } from './ai-bench.js';
import type { ClusterResults } from './cluster-bench.js';
import type { IdleResults } from './idle-bench.js';
import type { LoadOutcome, Measured } from './load-driver.js';
import { formatTable, ms } from './report.js';

export interface GoalInputs {
  chat?: { bareRoom: LoadOutcome; fullRoom: LoadOutcome; barePersist: LoadOutcome; fullPersist: LoadOutcome };
  ai?: AiResults;
  cluster?: ClusterResults | null;
  idle?: IdleResults;
}

interface Goal {
  point: string;
  what: string;
  value: number | null;
  /** `max`: the value must not exceed `limit`; `min`: it must reach it. */
  bound: 'max' | 'min';
  limit: number;
  unit?: string;
}

const deliveriesPerSec = (m: Measured) => (m.run.deliveries / m.run.deliverMs) * 1000;
const ackedPerSec = (m: Measured) => (m.run.messages / m.run.sendMs) * 1000;
const cpuPerMsg = (m: Measured) => m.server.cpuMs / m.run.messages;
const lat = (m: Measured, k: 'p50' | 'p99') => m.run.latencyMs?.[k] ?? NaN;

function idleGoals(idle: IdleResults | undefined): Goal[] {
  const step = (i: number) => (idle ? { bare: idle.bare.steps[i], full: idle.full.steps[i] } : null);
  const first = step(0);
  const second = step(1);
  const n = (s: ReturnType<typeof step>) => (s ? s.full.sockets.toLocaleString('en-US') : '?');
  return [
    { point: '1', what: `RSS per idle socket, full/bare (${n(first)} sockets)`, value: first && first.full.rssPerSocket / first.bare.rssPerSocket, bound: 'max', limit: 1.5 },
    { point: '1', what: `RSS per idle socket, full/bare (${n(second)} sockets)`, value: second && second.full.rssPerSocket / second.bare.rssPerSocket, bound: 'max', limit: 1.5 },
    { point: '1', what: `join_room p99 with ${n(second)} idle sockets held`, value: second && second.full.joinMs.p99, bound: 'max', limit: 20, unit: 'ms' },
  ];
}

function aiGoals(ai: AiResults | undefined): Goal[] {
  // The concurrent run of the app with LLM_COALESCE_MS=0: every upstream token is relayed as one delta.
  const pair = ai ? { d: ai.direct.outcome.measured[1], z: ai.full[0].outcome.measured[1] } : null;
  const added = (pick: (m: NonNullable<typeof pair>['d']) => number) => (pair ? pick(pair.z) - pick(pair.d) : null);
  const streams = ai ? `${ai.streams} streams` : 'concurrent streams';
  return [
    { point: '2', what: `assistant added TTFT p50 at ${streams}`, value: added((m) => m.run.ttftMs.p50), bound: 'max', limit: 20, unit: 'ms' },
    { point: '2', what: `assistant added TTFT p99 at ${streams}`, value: added((m) => m.run.ttftMs.p99), bound: 'max', limit: 50, unit: 'ms' },
    { point: '2', what: `assistant added token-gap p99 at ${streams}`, value: added((m) => m.run.gapMs.p99), bound: 'max', limit: 5, unit: 'ms' },
    {
      point: '2',
      what: 'assistant server CPU per relayed token',
      value: pair && ai ? (pair.z.server.cpuMs * 1000) / (pair.z.run.replies * ai.tokens) : null,
      bound: 'max',
      limit: 30,
      unit: 'us',
    },
  ];
}

function chatGoals(chat: GoalInputs['chat']): Goal[] {
  const m = chat && { bf: chat.bareRoom.measured[0], bl: chat.bareRoom.measured[1], bs: chat.bareRoom.measured[2], ff: chat.fullRoom.measured[0], fl: chat.fullRoom.measured[1], fs: chat.fullRoom.measured[2] };
  const w = (x: Measured | undefined) => (x ? `window ${x.run.window}` : 'window ?');
  return [
    { point: '3', what: `fan-out deliveries/s full/bare, ${w(m?.ff)}`, value: m ? deliveriesPerSec(m.ff) / deliveriesPerSec(m.bf) : null, bound: 'min', limit: 0.85 },
    { point: '3', what: `fan-out deliveries/s full/bare, ${w(m?.fs)}`, value: m ? deliveriesPerSec(m.fs) / deliveriesPerSec(m.bs) : null, bound: 'min', limit: 0.85 },
    { point: '3', what: `fan-out server CPU per message full/bare, ${w(m?.ff)}`, value: m ? cpuPerMsg(m.ff) / cpuPerMsg(m.bf) : null, bound: 'max', limit: 1.05 },
    { point: '3', what: `fan-out latency p99 full/bare, ${w(m?.ff)}`, value: m ? lat(m.ff, 'p99') / lat(m.bf, 'p99') : null, bound: 'max', limit: 1.2 },
    {
      point: '4',
      what: 'ingest: acked (stored) messages/s full/bare',
      value: chat ? ackedPerSec(chat.fullPersist.measured[0]) / ackedPerSec(chat.barePersist.measured[0]) : null,
      bound: 'min',
      limit: 0.6,
    },
    { point: '5', what: 'light load latency p50 full/bare', value: m ? lat(m.fl, 'p50') / lat(m.bl, 'p50') : null, bound: 'max', limit: 2 },
    { point: '5', what: 'light load latency p99 (full stack)', value: m ? lat(m.fl, 'p99') : null, bound: 'max', limit: 10, unit: 'ms' },
  ];
}

function clusterGoals(cluster: GoalInputs['cluster']): Goal[] {
  const value = cluster ? deliveriesPerSec(cluster.two.measured[0]) / deliveriesPerSec(cluster.one.measured[0]) : null;
  return [{ point: '6', what: 'two instances through Redis, deliveries/s two/one', value, bound: 'min', limit: 0.6 }];
}

export function reportGoals(inputs: GoalInputs): void {
  const goals = [...idleGoals(inputs.idle), ...aiGoals(inputs.ai), ...chatGoals(inputs.chat), ...clusterGoals(inputs.cluster)];
  const rows = goals.map((g) => {
    const unit = g.unit ? ` ${g.unit}` : '';
    const measured = g.value === null || !Number.isFinite(g.value) ? 'not run' : `${g.unit ? ms(g.value) : g.value.toFixed(2)}${unit}`;
    const verdict = g.value === null || !Number.isFinite(g.value) ? '-' : (g.bound === 'max' ? g.value <= g.limit : g.value >= g.limit) ? 'PASS' : 'MISS';
    return [`${g.point}. ${g.what}`, measured, `${g.bound === 'max' ? '<=' : '>='} ${g.limit}${unit}`, verdict];
  });
  console.log('\n== Goals (issue 14): each a ratio against a baseline in this run, or a value ==');
  console.log(formatTable(['goal', 'measured', 'target', ''], rows));
}
