import { UseFilters, UseInterceptors } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import { AckResponse, ChatMessage, ClientEvent, JoinedRoomPayload, LeftRoomPayload, MessageUpdatedPayload, ReadUpdatedPayload } from '@chat/contract';
import { RateLimit } from '../common/rate-limit.js';
import { WsPayloadPipe } from '../common/validation.js';
import { DeleteMessageDto, EditMessageDto, ReactionDto, SendMessageDto } from '../messages/messages.dto.js';
import { MessageChangesService } from '../messages/message-changes.service.js';
import { HandshakeAuth } from './handshake-auth.js';
import { asUser, RealtimeSessions } from './realtime-sessions.js';
import { AiCancelDto, JoinRoomDto, RoomRefDto, RoomRefPipe } from './realtime.dto.js';
import { MarkReadDto } from '../rooms/rooms.dto.js';
import { RoomsService } from '../rooms/rooms.service.js';
import type { ChatServer, ChatSocket } from './socket.types.js';
import { WsExceptionFilter } from './ws-exception.filter.js';
import { WsLoggingInterceptor } from './ws-logging.interceptor.js';

/**
 * The seed's protocol on the default namespace. Decorators plus one call per event. The `@RateLimit`
 * buckets are enforced by the app-wide AppThrottlerGuard (APP_GUARD covers gateways too); a second
 * copy here would count every event twice.
 */
@WebSocketGateway()
@UseFilters(WsExceptionFilter)
@UseInterceptors(WsLoggingInterceptor)
export class ChatGateway implements OnGatewayInit<ChatServer>, OnGatewayConnection<ChatSocket>, OnGatewayDisconnect<ChatSocket> {
  constructor(
    private readonly sessions: RealtimeSessions,
    private readonly handshake: HandshakeAuth,
    private readonly changes: MessageChangesService,
    private readonly rooms: RoomsService,
  ) {}

  afterInit(server: ChatServer): void {
    server.use(this.handshake.middleware());
    this.sessions.attach(server);
  }

  handleConnection(socket: ChatSocket): Promise<void> {
    return this.sessions.connect(socket);
  }

  handleDisconnect(socket: ChatSocket): Promise<void> {
    return this.sessions.disconnect(socket);
  }

  @RateLimit('rooms')
  @SubscribeMessage(ClientEvent.JoinRoom)
  async joinRoom(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody(new RoomRefPipe(JoinRoomDto)) { roomId, lastSeq, lastChangeSeq }: JoinRoomDto,
  ): Promise<AckResponse<JoinedRoomPayload>> {
    return { ok: true, ...(await this.sessions.join(socket, roomId, lastSeq, lastChangeSeq)) };
  }

  @RateLimit('rooms')
  @SubscribeMessage(ClientEvent.LeaveRoom)
  async leaveRoom(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody(new RoomRefPipe(RoomRefDto)) { roomId }: RoomRefDto,
  ): Promise<AckResponse<LeftRoomPayload>> {
    return { ok: true, ...(await this.sessions.leave(socket, roomId)) };
  }

  @RateLimit('messages')
  @SubscribeMessage(ClientEvent.SendMessage)
  async sendMessage(@ConnectedSocket() socket: ChatSocket, @MessageBody(WsPayloadPipe) dto: SendMessageDto): Promise<AckResponse<{ message: ChatMessage }>> {
    return { ok: true, ...(await this.sessions.send(socket, dto)) };
  }

  @RateLimit('aiCancel')
  @SubscribeMessage(ClientEvent.AiCancel)
  async cancelAi(@ConnectedSocket() socket: ChatSocket, @MessageBody(WsPayloadPipe) dto: AiCancelDto): Promise<AckResponse<{ messageId: string }>> {
    return { ok: true, ...(await this.sessions.cancelAi(socket, dto.messageId)) };
  }

  @RateLimit('changes')
  @SubscribeMessage(ClientEvent.EditMessage)
  async editMessage(@ConnectedSocket() socket: ChatSocket, @MessageBody(WsPayloadPipe) dto: EditMessageDto): Promise<AckResponse<MessageUpdatedPayload>> {
    return { ok: true, ...(await this.changes.edit(asUser(socket), dto.messageId, dto.content)) };
  }

  @RateLimit('changes')
  @SubscribeMessage(ClientEvent.DeleteMessage)
  async deleteMessage(@ConnectedSocket() socket: ChatSocket, @MessageBody(WsPayloadPipe) dto: DeleteMessageDto): Promise<AckResponse<MessageUpdatedPayload>> {
    return { ok: true, ...(await this.changes.delete(asUser(socket), dto.messageId)) };
  }

  @RateLimit('changes')
  @SubscribeMessage(ClientEvent.AddReaction)
  async addReaction(@ConnectedSocket() socket: ChatSocket, @MessageBody(WsPayloadPipe) dto: ReactionDto): Promise<AckResponse<MessageUpdatedPayload>> {
    return { ok: true, ...(await this.changes.react(asUser(socket), dto.messageId, dto.emoji)) };
  }

  @RateLimit('changes')
  @SubscribeMessage(ClientEvent.RemoveReaction)
  async removeReaction(@ConnectedSocket() socket: ChatSocket, @MessageBody(WsPayloadPipe) dto: ReactionDto): Promise<AckResponse<MessageUpdatedPayload>> {
    return { ok: true, ...(await this.changes.unreact(asUser(socket), dto.messageId, dto.emoji)) };
  }

  @RateLimit('reads')
  @SubscribeMessage(ClientEvent.MarkRead)
  async markRead(@ConnectedSocket() socket: ChatSocket, @MessageBody(WsPayloadPipe) dto: MarkReadDto): Promise<AckResponse<ReadUpdatedPayload>> {
    return { ok: true, ...(await this.rooms.markRead(asUser(socket), dto.roomId, dto.seq, socket.id)) };
  }

  @RateLimit('typing')
  @SubscribeMessage(ClientEvent.TypingStart)
  typingStart(@ConnectedSocket() socket: ChatSocket, @MessageBody(new RoomRefPipe(RoomRefDto)) { roomId }: RoomRefDto): Promise<void> {
    return this.sessions.typingStart(socket, roomId);
  }

  @RateLimit('typing')
  @SubscribeMessage(ClientEvent.TypingStop)
  typingStop(@ConnectedSocket() socket: ChatSocket, @MessageBody(new RoomRefPipe(RoomRefDto)) { roomId }: RoomRefDto): Promise<void> {
    return this.sessions.typingStop(socket, roomId);
  }
}
