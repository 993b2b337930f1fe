import { AsyncLocalStorage } from 'node:async_hooks';

/** Where the current piece of work came from: what the audit log records besides the actor. */
export interface RequestContext {
  requestId: string | null;
  ip: string | null;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runInRequestContext<T>(context: RequestContext, work: () => T): T {
  return storage.run(context, work);
}

export function currentRequestContext(): RequestContext {
  return storage.getStore() ?? { requestId: null, ip: null };
}
