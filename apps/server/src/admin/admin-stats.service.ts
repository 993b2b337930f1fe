import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AdminStats } from '@chat/contract';
import { PresenceStore } from '../presence/presence.store.js';

@Injectable()
export class AdminStatsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly presence: PresenceStore,
  ) {}

  async stats(): Promise<AdminStats> {
    // Counted from the database, so the figure is the same whichever instance answers.
    const [row]: { rooms: string; per_minute: string }[] = await this.dataSource.query(
      `SELECT (SELECT count(*) FROM rooms) AS rooms,
              (SELECT count(*) FROM messages WHERE created_at > now() - interval '1 minute') AS per_minute`,
    );
    return {
      activeConnections: await this.presence.connectionCount(),
      totalConnections: await this.presence.totalConnections(),
      rooms: Number(row.rooms),
      activeRooms: await this.presence.activeRoomCount(),
      messagesPerMinute: Number(row.per_minute),
      uptimeSeconds: Math.round(process.uptime()),
    };
  }
}
