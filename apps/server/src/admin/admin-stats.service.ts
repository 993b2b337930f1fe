import { Injectable } from '@nestjs/common';
import type { AdminStats } from '@chat/contract';
import { MessagesRepository } from '../messages/messages.repository.js';
import { PresenceStore } from '../presence/presence.store.js';
import { RoomsRepository } from '../rooms/rooms.repository.js';

@Injectable()
export class AdminStatsService {
  constructor(
    private readonly rooms: RoomsRepository,
    private readonly messages: MessagesRepository,
    private readonly presence: PresenceStore,
  ) {}

  async stats(): Promise<AdminStats> {
    // Counted from the database, so the figure is the same whichever instance answers.
    const [rooms, messagesPerMinute] = await Promise.all([this.rooms.count(), this.messages.countLastMinute()]);
    return {
      activeConnections: await this.presence.connectionCount(),
      totalConnections: await this.presence.totalConnections(),
      rooms,
      activeRooms: await this.presence.activeRoomCount(),
      messagesPerMinute,
      uptimeSeconds: Math.round(process.uptime()),
    };
  }
}
