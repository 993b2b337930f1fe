import { Injectable } from '@nestjs/common';
import type { AdminStats } from '@chat/contract';
import { InstanceRegistry } from '../cluster/instance-registry.js';
import { MessagesRepository } from '../messages/messages.repository.js';
import { PresenceStore } from '../presence/presence.store.js';
import { RoomsRepository } from '../rooms/rooms.repository.js';

@Injectable()
export class AdminStatsService {
  constructor(
    private readonly rooms: RoomsRepository,
    private readonly messages: MessagesRepository,
    private readonly presence: PresenceStore,
    private readonly registry: InstanceRegistry,
  ) {}

  async stats(): Promise<AdminStats> {
    // Counted from the database, so the figure is the same whichever instance answers.
    // Connections from every live instance's snapshot; presence (shared when Redis is) for the rest.
    const [rooms, messagesPerMinute, instances, totalConnections, activeRooms] = await Promise.all([
      this.rooms.count(),
      this.messages.countLastMinute(),
      this.registry.instances(),
      this.presence.totalConnections(),
      this.presence.activeRoomCount(),
    ]);
    return {
      activeConnections: instances.reduce((sum, instance) => sum + instance.connections, 0),
      totalConnections,
      rooms,
      activeRooms,
      messagesPerMinute,
      uptimeSeconds: Math.round(process.uptime()),
      instances,
    };
  }
}
