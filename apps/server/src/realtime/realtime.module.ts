import { BeforeApplicationShutdown, Module } from '@nestjs/common';
import { MessagesModule } from '../messages/messages.module.js';
import { RoomsModule } from '../rooms/rooms.module.js';
import { ChatGateway } from './chat.gateway.js';
import { HandshakeAuth } from './handshake-auth.js';
import { RealtimeNotifier } from './realtime-notifier.js';
import { RealtimeSessions } from './realtime-sessions.js';
import { RoomDelivery } from './room-delivery.js';
import { TypingTracker } from './typing-tracker.js';

@Module({
  imports: [RoomsModule, MessagesModule],
  providers: [ChatGateway, HandshakeAuth, RealtimeSessions, RealtimeNotifier, RoomDelivery, TypingTracker],
  exports: [RealtimeSessions],
})
export class RealtimeModule implements BeforeApplicationShutdown {
  constructor(private readonly sessions: RealtimeSessions) {}

  beforeApplicationShutdown(): void {
    this.sessions.announceShutdown();
  }
}
