import { Logger } from '@nestjs/common';
import type { PresenceUser } from '@chat/contract';
import type { InstanceRegistry } from '../cluster/instance-registry.js';
import type { RedisClients } from '../cluster/redis-clients.js';
import { MemoryPresenceStore, PresenceStore } from './presence.store.js';

// KEYS: room users (hash), the user's sockets in the room (set), the instance's index (set), active rooms (set).
// ARGV: userId, user JSON, socket member, index entry, roomId. Returns 1 for the user's first socket in the room.
const JOIN = `
local added = redis.call('SADD', KEYS[2], ARGV[3])
redis.call('SADD', KEYS[3], ARGV[4])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[4], ARGV[5])
if added == 1 and redis.call('SCARD', KEYS[2]) == 1 then return 1 end
return 0`;

// Same KEYS; ARGV: userId, socket member, index entry, roomId. Returns the user's JSON when their last socket left.
const LEAVE = `
redis.call('SREM', KEYS[3], ARGV[3])
if redis.call('SREM', KEYS[2], ARGV[2]) == 0 or redis.call('SCARD', KEYS[2]) > 0 then return false end
local user = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
if redis.call('HLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[4], ARGV[4]) end
return user`;

type Registration = { roomId: string; user: PresenceUser };

/**
 * Presence shared by every instance. Each socket is recorded as `instance|socket` under the user in
 * the room, and in its instance's index, so a dead instance's sockets can be removed by a survivor.
 * This instance also keeps what it registered: when Redis does not answer it answers from that
 * (its own clients keep working), and after a reconnect it writes it back (a restarted Redis
 * starts empty; entries removed while it was unreachable come back).
 */
export class RedisPresenceStore extends PresenceStore {
  private readonly logger = new Logger(RedisPresenceStore.name);
  /** What this instance registered, by socket then room. */
  private readonly local = new MemoryPresenceStore();
  private readonly mine = new Map<string, Map<string, Registration>>();

  constructor(
    private readonly redis: RedisClients,
    private readonly registry: InstanceRegistry,
  ) {
    super();
    this.redis.command.defineCommand('presenceJoin', { numberOfKeys: 4, lua: JOIN });
    this.redis.command.defineCommand('presenceLeave', { numberOfKeys: 4, lua: LEAVE });
    this.redis.reconnected$.subscribe((role) => role === 'command' && void this.republish());
    this.registry.onInstanceDead((id) => this.removeInstance(id));
  }

  async join(roomId: string, user: PresenceUser, socketId: string): Promise<boolean> {
    const firstHere = await this.local.join(roomId, user, socketId);
    let rooms = this.mine.get(socketId);
    if (!rooms) this.mine.set(socketId, (rooms = new Map()));
    rooms.set(roomId, { roomId, user });
    try {
      return (await this.runJoin(roomId, user, this.registry.id, socketId)) === 1;
    } catch {
      return firstHere;
    }
  }

  async leave(roomId: string, userId: string, socketId: string): Promise<boolean> {
    const lastHere = await this.local.leave(roomId, userId, socketId);
    this.mine.get(socketId)?.delete(roomId);
    try {
      return (await this.runLeave(roomId, userId, this.registry.id, socketId)) !== null;
    } catch {
      return lastHere;
    }
  }

  async online(roomId: string): Promise<PresenceUser[]> {
    try {
      return (await this.redis.command.hvals(this.roomKey(roomId))).map((json) => JSON.parse(json) as PresenceUser);
    } catch {
      return this.local.online(roomId);
    }
  }

  async activeRoomCount(): Promise<number> {
    try {
      return await this.redis.command.scard(this.redis.key('presence:rooms'));
    } catch {
      return this.local.activeRoomCount();
    }
  }

  async connect(socketId: string, userId: string): Promise<void> {
    await this.local.connect(socketId, userId);
    await this.redis.command.incr(this.redis.key('presence:opened')).catch(() => undefined);
  }

  async disconnect(socketId: string): Promise<void> {
    this.mine.delete(socketId);
    await this.local.disconnect(socketId);
  }

  /** This instance's sockets (the cluster's total is the sum of every instance's). */
  connectionCount(): Promise<number> {
    return this.local.connectionCount();
  }

  async totalConnections(): Promise<number> {
    try {
      return Number((await this.redis.command.get(this.redis.key('presence:opened'))) ?? 0);
    } catch {
      return this.local.totalConnections();
    }
  }

  /** Writes this instance's registrations back and drops entries of its sockets that have gone. */
  private async republish(): Promise<void> {
    try {
      const index = this.indexKey(this.registry.id);
      for (const entry of await this.redis.command.smembers(index)) {
        const [roomId, userId, socketId] = entry.split(' ');
        if (!this.mine.get(socketId)?.has(roomId)) await this.runLeave(roomId, userId, this.registry.id, socketId);
      }
      for (const [socketId, rooms] of this.mine) {
        for (const { roomId, user } of rooms.values()) await this.runJoin(roomId, user, this.registry.id, socketId);
      }
    } catch (error) {
      this.logger.warn(`Re-publishing presence failed: ${String(error)}`);
    }
  }

  private async removeInstance(instanceId: string): Promise<void> {
    const index = this.indexKey(instanceId);
    for (const entry of await this.redis.command.smembers(index)) {
      const [roomId, userId, socketId] = entry.split(' ');
      const user = await this.runLeave(roomId, userId, instanceId, socketId);
      if (user) this.departed$.next({ ...(JSON.parse(user) as PresenceUser), roomId });
    }
    await this.redis.command.del(index);
  }

  private runJoin(roomId: string, user: PresenceUser, instanceId: string, socketId: string): Promise<number> {
    const command = this.redis.command as unknown as { presenceJoin(...args: string[]): Promise<number> };
    return command.presenceJoin(
      this.roomKey(roomId),
      this.socketsKey(roomId, user.userId),
      this.indexKey(instanceId),
      this.redis.key('presence:rooms'),
      user.userId,
      JSON.stringify(user),
      `${instanceId}|${socketId}`,
      `${roomId} ${user.userId} ${socketId}`,
      roomId,
    );
  }

  private runLeave(roomId: string, userId: string, instanceId: string, socketId: string): Promise<string | null> {
    const command = this.redis.command as unknown as { presenceLeave(...args: string[]): Promise<string | null> };
    return command.presenceLeave(
      this.roomKey(roomId),
      this.socketsKey(roomId, userId),
      this.indexKey(instanceId),
      this.redis.key('presence:rooms'),
      userId,
      `${instanceId}|${socketId}`,
      `${roomId} ${userId} ${socketId}`,
      roomId,
    );
  }

  private roomKey(roomId: string): string {
    return this.redis.key(`presence:room:${roomId}`);
  }

  private socketsKey(roomId: string, userId: string): string {
    return this.redis.key(`presence:sockets:${roomId}:${userId}`);
  }

  private indexKey(instanceId: string): string {
    return this.redis.key(`presence:instance:${instanceId}`);
  }
}
