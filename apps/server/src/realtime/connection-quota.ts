/**
 * Open sockets per key (a user, an address). In memory on one instance; the interface is what a
 * shared (Redis) store implements so the caps hold across the cluster.
 */
export abstract class ConnectionQuota {
  /** Takes a place under `key` when fewer than `limit` are held; false when it is full. */
  abstract acquire(key: string, limit: number): Promise<boolean>;
  abstract release(key: string): Promise<void>;
}

export class MemoryConnectionQuota extends ConnectionQuota {
  private readonly held = new Map<string, number>();

  async acquire(key: string, limit: number): Promise<boolean> {
    const count = this.held.get(key) ?? 0;
    if (count >= limit) return false;
    this.held.set(key, count + 1);
    return true;
  }

  async release(key: string): Promise<void> {
    const count = (this.held.get(key) ?? 1) - 1;
    if (count > 0) this.held.set(key, count);
    else this.held.delete(key);
  }

  /** Keys held, for leak checks. */
  size(): number {
    return this.held.size;
  }
}
