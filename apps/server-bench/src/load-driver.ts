import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { AiLoadResult, AiLoadSpec, AiRunResult } from './ai-protocol.js';
import { sampleServer, type ServerSample } from './cpu.js';
import type { FromWorker, LoadResult, LoadSpec, RunResult, ToWorker } from './load-protocol.js';

export interface Measured {
  run: RunResult;
  server: ServerSample;
}

export interface LoadOutcome {
  tag: string;
  result: LoadResult;
  measured: Measured[];
}

export interface AiMeasured {
  run: AiRunResult;
  server: ServerSample;
}

export interface AiOutcome {
  result: AiLoadResult;
  measured: AiMeasured[];
}

type Waiter = { resolve: (r: LoadResult | AiLoadResult) => void; reject: (e: Error) => void; onMark: (run: number, edge: 'start' | 'end') => void };

/** Hands loads to the client worker and samples the server thread between the worker's marks. */
export class LoadDriver {
  private readonly worker = new Worker(new URL('./load-worker.js', import.meta.url));
  private nextId = 0;
  private readonly pending = new Map<number, Waiter>();

  constructor() {
    this.worker.on('message', (message: FromWorker) => {
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      if (message.type === 'mark') return waiter.onMark(message.run, message.edge);
      this.pending.delete(message.id);
      if (message.type === 'error') waiter.reject(new Error(`load worker: ${message.message}`));
      else waiter.resolve(message.result);
    });
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.on('exit', (code) => this.failAll(new Error(`load worker exited with code ${code}`)));
  }

  async load(spec: LoadSpec, pgCpu: (() => number) | null): Promise<LoadOutcome> {
    const { result, samples } = await this.send<LoadResult>((id) => ({ type: 'load', id, spec }), pgCpu);
    return { tag: spec.tag, result, measured: result.runs.map((run, i) => ({ run, server: samples[i] })) };
  }

  /** The assistant streaming benchmark's clients: the fake upstream read directly, or the app over sockets. */
  async ai(spec: AiLoadSpec, pgCpu: (() => number) | null): Promise<AiOutcome> {
    const { result, samples } = await this.send<AiLoadResult>((id) => ({ type: 'ai', id, spec }), pgCpu);
    return { result, measured: result.runs.map((run, i) => ({ run, server: samples[i] })) };
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }

  private async send<R extends LoadResult | AiLoadResult>(message: (id: number) => ToWorker, pgCpu: (() => number) | null): Promise<{ result: R; samples: ServerSample[] }> {
    const stops: (() => ServerSample)[] = [];
    const samples: ServerSample[] = [];
    const id = ++this.nextId;
    const result = await new Promise<LoadResult | AiLoadResult>((resolve, reject) => {
      this.pending.set(id, {
        resolve,
        reject,
        onMark: (run, edge) => {
          if (edge === 'start') stops[run] = sampleServer(pgCpu);
          else samples[run] = stops[run]();
        },
      });
      this.worker.postMessage(message(id));
    });
    return { result: result as R, samples };
  }

  private failAll(error: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}

/** Unique per load, so clientMessageIds never repeat across loads and runs of the bench. */
export const loadTag = (() => {
  const prefix = `b${randomBytes(3).toString('hex')}`;
  let counter = 0;
  return () => `${prefix}l${++counter}`;
})();
