import { Subject } from 'rxjs';
import type { PresenceUser, RoomUserPayload } from '@chat/contract';

/**
 * Who is in which room, counted per socket so several tabs of one user make one presence.
 * Backed by memory on one instance; the interface is what a shared (Redis) store implements.
 */
export abstract class PresenceStore {
  /** Users whose last socket in a room was on an instance that died: announce `user_left` for them. */
  readonly departed$ = new Subject<RoomUserPayload>();
  /** Returns true when this socket is the user's first in the room (announce a join). */
  abstract join(roomId: string, user: PresenceUser, socketId: string): Promise<boolean>;
  /** Returns true when this was the user's last socket in the room (announce a leave). */
  abstract leave(roomId: string, userId: string, socketId: string): Promise<boolean>;
  abstract online(roomId: string): Promise<PresenceUser[]>;
  abstract activeRoomCount(): Promise<number>;
  abstract connect(socketId: string, userId: string): Promise<void>;
  abstract disconnect(socketId: string): Promise<void>;
  abstract connectionCount(): Promise<number>;
  /** Connections opened since start. */
  abstract totalConnections(): Promise<number>;
}

interface RoomPresence {
  user: PresenceUser;
  sockets: Set<string>;
}

export class MemoryPresenceStore extends PresenceStore {
  private readonly rooms = new Map<string, Map<string, RoomPresence>>();
  private readonly connections = new Map<string, string>();
  private opened = 0;

  async join(roomId: string, user: PresenceUser, socketId: string): Promise<boolean> {
    let room = this.rooms.get(roomId);
    if (!room) this.rooms.set(roomId, (room = new Map()));
    const entry = room.get(user.userId);
    if (entry) {
      entry.sockets.add(socketId);
      return false;
    }
    room.set(user.userId, { user, sockets: new Set([socketId]) });
    return true;
  }

  async leave(roomId: string, userId: string, socketId: string): Promise<boolean> {
    const room = this.rooms.get(roomId);
    const entry = room?.get(userId);
    if (!room || !entry || !entry.sockets.delete(socketId)) return false;
    if (entry.sockets.size > 0) return false;
    room.delete(userId);
    // Nothing is kept for rooms nobody is in.
    if (room.size === 0) this.rooms.delete(roomId);
    return true;
  }

  async online(roomId: string): Promise<PresenceUser[]> {
    return [...(this.rooms.get(roomId)?.values() ?? [])].map((entry) => entry.user);
  }

  async activeRoomCount(): Promise<number> {
    return this.rooms.size;
  }

  async connect(socketId: string, userId: string): Promise<void> {
    this.connections.set(socketId, userId);
    this.opened++;
  }

  async disconnect(socketId: string): Promise<void> {
    this.connections.delete(socketId);
  }

  async connectionCount(): Promise<number> {
    return this.connections.size;
  }

  async totalConnections(): Promise<number> {
    return this.opened;
  }

  /** For leak tests: how many room entries are held. */
  size(): { rooms: number; connections: number } {
    return { rooms: this.rooms.size, connections: this.connections.size };
  }
}
