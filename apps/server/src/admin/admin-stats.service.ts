import { Injectable } from '@nestjs/common';
import type { AdminStats } from '@chat/contract';
import { AssistantService } from '../llm/assistant.service.js';
import { InstanceInfo } from '../metrics/instance-info.js';
import { MessagesRepository } from '../messages/messages.repository.js';
import { PresenceStore } from '../presence/presence.store.js';
import { RoomsRepository } from '../rooms/rooms.repository.js';

@Injectable()
export class AdminStatsService {
  constructor(
    private readonly rooms: RoomsRepository,
    private readonly messages: MessagesRepository,
    private readonly presence: PresenceStore,
    private readonly instance: InstanceInfo,
    private readonly assistant: AssistantService,
  ) {}

  async stats(): Promise<AdminStats> {
    // Counted from the database, so the figure is the same whichever instance answers.
    const [rooms, messagesPerMinute] = await Promise.all([this.rooms.count(), this.messages.countLastMinute()]);
    const activeConnections = await this.presence.connectionCount();
    const activeRooms = await this.presence.activeRoomCount();
    const load = this.assistant.load();
    return {
      activeConnections,
      totalConnections: await this.presence.totalConnections(),
      rooms,
      activeRooms,
      messagesPerMinute,
      uptimeSeconds: Math.round(process.uptime()),
      // This instance only; presence is in-process, so its counts are this instance's.
      instances: [
        {
          id: this.instance.id,
          connections: activeConnections,
          rooms: activeRooms,
          eventLoopLagMs: this.instance.eventLoopLagMs(),
          aiRunning: load.running,
          aiQueued: load.waiting,
          startedAt: this.instance.startedAt.toISOString(),
          lastSeenAt: new Date().toISOString(),
        },
      ],
    };
  }
}
