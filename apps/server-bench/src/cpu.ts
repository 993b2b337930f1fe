import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';

const CLOCK_TICKS_PER_SECOND = 100;

function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/**
 * CPU of the PostgreSQL backends serving `database` (found through the postmaster's children whose
 * title names it), when the server runs on this machine; null otherwise. Shared processes (WAL
 * writer, checkpointer) and other databases' backends are left out, so a test run elsewhere on the
 * same cluster does not count.
 */
export function postgresCpuMeter(backendPid: number, database: string): (() => number) | null {
  const backend = statFields(backendPid);
  if (!backend) return null;
  const postmaster = Number(backend[1]);
  const marker = ` ${database} `;
  return () => {
    let ticks = 0;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const fields = statFields(Number(entry));
      // fields[1] is the parent pid, [11] and [12] are utime and stime.
      if (!fields || Number(fields[1]) !== postmaster) continue;
      let title: string;
      try {
        title = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      } catch {
        continue;
      }
      if (title.includes(marker)) ticks += Number(fields[11]) + Number(fields[12]);
    }
    return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  };
}

/** Busy and total CPU time of the whole machine so far, ms (all cores), or null without /proc/stat. */
function machineCpu(): { busy: number; total: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal ...; guest time is already inside user.
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = fields[3] + fields[4];
    return { busy: ((total - idle) * 1000) / CLOCK_TICKS_PER_SECOND, total: (total * 1000) / CLOCK_TICKS_PER_SECOND };
  } catch {
    return null;
  }
}

export interface ServerSample {
  wallMs: number;
  /** CPU time of the main thread (the server under test), ms. */
  cpuMs: number;
  /** Event-loop utilization of the main thread. */
  elu: number;
  /** CPU time of this whole process (server, client worker, GC and libuv threads), ms. */
  processCpuMs: number;
  /** CPU time of this database's PostgreSQL backends, ms, when measurable. */
  pgCpuMs: number | null;
  /** Busy CPU time of the whole machine, ms (all cores); what this process and its backends do not explain is someone else's. */
  machineBusyMs: number | null;
}

/** Starts measuring the server side; call the returned function to stop. */
export function sampleServer(pgCpu: (() => number) | null): () => ServerSample {
  const start = performance.now();
  const cpu = process.threadCpuUsage();
  const processCpu = process.cpuUsage();
  const elu: EventLoopUtilization = performance.eventLoopUtilization();
  const pg0 = pgCpu?.() ?? null;
  const machine0 = machineCpu();
  return () => {
    const used = process.threadCpuUsage(cpu);
    const all = process.cpuUsage(processCpu);
    const machine1 = machineCpu();
    return {
      wallMs: performance.now() - start,
      cpuMs: (used.user + used.system) / 1000,
      elu: performance.eventLoopUtilization(elu).utilization,
      processCpuMs: (all.user + all.system) / 1000,
      pgCpuMs: pgCpu && pg0 !== null ? pgCpu() - pg0 : null,
      machineBusyMs: machine0 && machine1 ? machine1.busy - machine0.busy : null,
    };
  };
}

/** Share of the machine's CPU time, during a run, used by neither this process nor its database backends. */
export function othersShare(server: ServerSample): number {
  if (server.machineBusyMs === null) return 0;
  const others = server.machineBusyMs - server.processCpuMs - (server.pgCpuMs ?? 0);
  return Math.max(0, others) / (server.wallMs * availableParallelism());
}
