import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ErrorCode, ErrorPayload, JoinedRoomPayload, ReadUpdatedPayload, LeftRoomPayload, ChatMessage, PresenceUser, RoomUserPayload, ServerEvent, InterServerEvent } from '@chat/contract';
import type { AuthUser } from '../auth/auth.types.js';
import { AppException } from '../common/app-exception.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { AssistantService } from '../llm/assistant.service.js';
import { MessagesService } from '../messages/messages.service.js';
import { MessageChangesService } from '../messages/message-changes.service.js';
import { Metrics } from '../metrics/metrics.service.js';
import { SendMessageDto } from '../messages/messages.dto.js';
import { InstanceRegistry } from '../cluster/instance-registry.js';
import { PresenceStore } from '../presence/presence.store.js';
import { RoomsService } from '../rooms/rooms.service.js';
import { RoomDelivery } from './room-delivery.js';
import { ChatServer, ChatSocket, userRoom } from './socket.types.js';
import { TypingTracker } from './typing-tracker.js';
import { socketBindings } from './ws-logging.interceptor.js';

export const asUser = (socket: ChatSocket): AuthUser => ({
  id: socket.data.userId,
  username: socket.data.username,
  displayName: socket.data.displayName,
  role: socket.data.role,
});

const presenceOf = (socket: ChatSocket): PresenceUser => ({
  userId: socket.data.userId,
  username: socket.data.username,
  displayName: socket.data.displayName,
});

const roomUser = (socket: ChatSocket, roomId: string): RoomUserPayload => ({
  userId: socket.data.userId,
  username: socket.data.username,
  displayName: socket.data.displayName,
  roomId,
});

interface ChangeReplay {
  replay: ChatMessage[];
  changeSeq: number;
  hasMore: boolean;
}

/**
 * The socket side of the chat: rooms a socket is in, presence, typing, token expiry. The gateway
 * hands each event here; the domain services it calls never see a socket.
 */
@Injectable()
export class RealtimeSessions implements OnModuleDestroy {
  private readonly logger = new Logger(RealtimeSessions.name);
  private server?: ChatServer;
  /** Rooms each local socket has joined (socket.rooms is already empty when `disconnect` fires). */
  private readonly joined = new Map<string, Set<string>>();
  private readonly expiryTimers = new Map<string, NodeJS.Timeout>();
  /** Per socket, the last send that must finish before its next one starts (see `inSendOrder`). */
  private readonly sendQueues = new Map<string, Promise<void>>();
  private readonly typingQueues = new Map<string, Promise<void>>();
  /**
   * Joins between their access check and the socket being added, per socket: a removal arriving in
   * that gap marks the room here, and the join undoes itself instead of re-adding a removed user.
   */
  private readonly pendingJoins = new Map<string, Map<string, { removed: boolean }>>();

  constructor(
    private readonly rooms: RoomsService,
    private readonly messages: MessagesService,
    private readonly changes: MessageChangesService,
    private readonly presence: PresenceStore,
    private readonly delivery: RoomDelivery,
    private readonly typing: TypingTracker,
    private readonly assistant: AssistantService,
    private readonly registry: InstanceRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics: Metrics,
  ) {
    metrics.provide('chat_socket_connections', () => this.joined.size);
    // Like user_typing, the stop goes to the others only: the typist's own tabs never heard the start.
    this.typing.expired$.subscribe((payload) =>
      this.server?.to(payload.roomId).except(userRoom(payload.userId)).emit(ServerEvent.UserStopTyping, payload),
    );
    // Their instance died: this one (which cleaned up after it) tells every instance's sockets.
    this.presence.departed$.subscribe((payload) => void this.announceDeparture(payload));
  }

  attach(server: ChatServer): void {
    this.server = server;
    this.delivery.attach(server);
    // A cancel for a reply streaming on this instance, sent by another one.
    server.on(InterServerEvent.AiCancel, ({ messageId, by }) =>
      this.assistant.cancelLocal(messageId, by && { actor: { id: by.id, username: by.username }, origin: { requestId: by.requestId, ip: by.ip } }),
    );
    this.registry.describe(() => {
      const { running, waiting } = this.assistant.load();
      return { connections: server.of('/').sockets.size, rooms: this.delivery.streamCount(), aiRunning: running, aiQueued: waiting };
    });
  }

  async connect(socket: ChatSocket): Promise<void> {
    void socket.join(userRoom(socket.data.userId));
    this.joined.set(socket.id, new Set());
    await this.presence.connect(socket.id, socket.data.userId);
    this.scheduleExpiry(socket);
    this.logger.log(socketBindings(socket), 'Socket connected');
  }

  async disconnect(socket: ChatSocket): Promise<void> {
    clearTimeout(this.expiryTimers.get(socket.id));
    this.expiryTimers.delete(socket.id);
    const rooms = this.joined.get(socket.id) ?? new Set<string>();
    this.joined.delete(socket.id);
    await Promise.all([...rooms].map((roomId) => this.leaveRoom(socket, roomId)));
    await this.presence.disconnect(socket.id);
    this.logger.log(socketBindings(socket), 'Socket disconnected');
  }

  async join(socket: ChatSocket, roomId: string, lastSeq?: number, lastChangeSeq?: number): Promise<JoinedRoomPayload> {
    const user = asUser(socket);
    // Registered before the access check, so a removal committed after the check is seen here.
    const pending = { removed: false };
    const pendingHere = this.pendingJoins.get(socket.id) ?? new Map<string, { removed: boolean }>();
    this.pendingJoins.set(socket.id, pendingHere.set(roomId, pending));
    let joined: { current: number; catchUpFrom?: number };
    let changes: ChangeReplay;
    try {
      const { room } = await this.rooms.enter(user, roomId);
      changes = await this.readChanges(roomId, lastSeq, lastChangeSeq, room.lastChangeSeq);
      joined = await this.delivery.join(socket, roomId, lastSeq, this.config.joinCatchUpMax);
    } finally {
      if (pendingHere.get(roomId) === pending) pendingHere.delete(roomId);
      if (pendingHere.size === 0 && this.pendingJoins.get(socket.id) === pendingHere) this.pendingJoins.delete(socket.id);
    }
    const rooms = this.joined.get(socket.id);
    if (!rooms || socket.disconnected || pending.removed) {
      // Disconnected while catching up, or removed from the room meanwhile: undo, so nothing is left behind.
      void socket.leave(roomId);
      this.delivery.release(roomId);
      if (pending.removed) throw AppException.forbidden(`You were removed from room "${roomId}"`);
      throw new AppException(ErrorCode.UNAUTHORIZED, 'Disconnected');
    }
    rooms.add(roomId);
    if (await this.presence.join(roomId, presenceOf(socket), socket.id)) {
      socket.to(roomId).except(userRoom(user.id)).emit(ServerEvent.UserJoined, roomUser(socket, roomId));
    }
    // In the tick the socket joined the room, right after the missed messages, as the catch-up itself.
    for (const message of changes.replay) socket.emit(ServerEvent.MessageUpdated, { message, changeSeq: message.changeSeq });
    const payload: JoinedRoomPayload = { roomId, lastSeq: joined.current, changeSeq: changes.changeSeq, online: await this.presence.online(roomId) };
    if (changes.hasMore) payload.changesHasMore = true;
    if (joined.catchUpFrom !== undefined) Object.assign(payload, { hasMore: true, catchUpFrom: joined.catchUpFrom });
    socket.emit(ServerEvent.JoinedRoom, payload);
    if (lastChangeSeq !== undefined && !changes.hasMore) await this.replayLateChanges(socket, roomId, joined.current, changes.changeSeq);
    return payload;
  }

  async leave(socket: ChatSocket, roomId: string): Promise<LeftRoomPayload> {
    const rooms = this.joined.get(socket.id);
    if (!rooms?.has(roomId)) {
      // Leaving a room one is not in is a no-op, but an unknown room is still reported.
      await this.rooms.access(asUser(socket), roomId);
      socket.emit(ServerEvent.LeftRoom, { roomId });
      return { roomId };
    }
    rooms.delete(roomId);
    await this.leaveRoom(socket, roomId);
    socket.emit(ServerEvent.LeftRoom, { roomId });
    return { roomId };
  }

  async send(socket: ChatSocket, dto: SendMessageDto): Promise<{ message: ChatMessage }> {
    const roomEntered = this.joined.get(socket.id)?.has(dto.roomId) ?? false;
    const message = await this.inSendOrder(socket.id, roomEntered, () =>
      this.messages.send(
        asUser(socket),
        { roomId: dto.roomId, content: dto.content, clientMessageId: dto.clientMessageId, threadId: dto.threadId },
        { socketId: socket.id, roomEntered, askAi: dto.useAi === true },
      ),
    );
    // Sending is also "stopped typing", as in every chat client.
    if (await this.typing.stop(dto.roomId, socket.data.userId)) {
      socket.to(dto.roomId).except(userRoom(socket.data.userId)).emit(ServerEvent.UserStopTyping, roomUser(socket, dto.roomId));
    }
    return { message };
  }

  // Typing asks the database each time (see requireJoined); queued per socket so starts and stops keep their order.
  typingStart(socket: ChatSocket, roomId: string): Promise<void> {
    return this.inOrder(this.typingQueues, socket.id, async () => {
      await this.requireJoined(socket, roomId);
      if (await this.typing.start(roomUser(socket, roomId))) {
        socket.to(roomId).except(userRoom(socket.data.userId)).emit(ServerEvent.UserTyping, roomUser(socket, roomId));
      }
    });
  }

  typingStop(socket: ChatSocket, roomId: string): Promise<void> {
    return this.inOrder(this.typingQueues, socket.id, async () => {
      await this.requireJoined(socket, roomId);
      if (await this.typing.stop(roomId, socket.data.userId)) {
        socket.to(roomId).except(userRoom(socket.data.userId)).emit(ServerEvent.UserStopTyping, roomUser(socket, roomId));
      }
    });
  }

  /** Stops a streaming reply, wherever it runs. */
  async cancelAi(socket: ChatSocket, messageId: string): Promise<{ messageId: string }> {
    const { local, canceller } = await this.assistant.cancel(asUser(socket), messageId);
    // Without Redis there is no other instance; with it, the adapter carries the cancel to all of them.
    if (!local && this.server && this.config.redis) {
      this.server.serverSideEmit(InterServerEvent.AiCancel, { messageId, by: { ...canceller.actor, ...canceller.origin } });
    }
    return { messageId };
  }

  /** An error for one user: to the socket that caused it when it is here, else to all their sockets on every instance. */
  tellUser(userId: string, originSocketId: string | undefined, error: ErrorPayload): void {
    const origin = originSocketId ? this.server?.of('/').sockets.get(originSocketId) : undefined;
    if (origin) origin.emit(ServerEvent.Error, error);
    else this.server?.to(userRoom(userId)).emit(ServerEvent.Error, error);
  }

  /** `mentioned` to every socket of each mentioned user here, whether or not it joined the room. */
  tellMentioned(message: ChatMessage, userIds: string[]): void {
    for (const userId of userIds) this.server?.local.to(userRoom(userId)).emit(ServerEvent.Mentioned, { message });
  }

  /** The user's read position moved: their sockets here hear of it, except the one that moved it. */
  tellReadPosition(userId: string, originSocketId: string | undefined, read: ReadUpdatedPayload): void {
    const sockets = this.server?.local.to(userRoom(userId));
    (originSocketId ? sockets?.except(originSocketId) : sockets)?.emit(ServerEvent.ReadUpdated, read);
  }

  /** The account was disabled or its role changed: every socket of it here is told and dropped (each instance does its own). */
  revoke(userId: string, reason: string): void {
    const target = this.server?.local.in(userRoom(userId));
    target?.emit(ServerEvent.Error, { code: ErrorCode.UNAUTHORIZED, message: `Session ended: ${reason}` });
    target?.disconnectSockets(true);
  }

  /** The user was removed from the room: their sockets here leave it. */
  async evict(userId: string, roomId: string): Promise<void> {
    const local = [...(this.server?.of('/').adapter.rooms.get(userRoom(userId)) ?? [])];
    // Every socket is marked before the first await, so no join of this user can slip in meanwhile.
    const leaving: ChatSocket[] = [];
    for (const socketId of local) {
      const pending = this.pendingJoins.get(socketId)?.get(roomId);
      if (pending) pending.removed = true;
      const socket = this.server!.of('/').sockets.get(socketId);
      if (socket && this.joined.get(socketId)?.delete(roomId)) leaving.push(socket);
    }
    for (const socket of leaving) {
      await this.leaveRoom(socket, roomId);
      socket.emit(ServerEvent.LeftRoom, { roomId });
    }
  }

  /** Live counts for leak checks: everything here must shrink back when sockets go. */
  footprint(): { sockets: number; expiryTimers: number; streams: number; typing: number } {
    return { sockets: this.joined.size, expiryTimers: this.expiryTimers.size, streams: this.delivery.streamCount(), typing: this.typing.size() };
  }

  onModuleDestroy(): void {
    for (const timer of this.expiryTimers.values()) clearTimeout(timer);
    this.expiryTimers.clear();
  }

  /**
   * Tells every client the server is going away, then closes each transport: clients see
   * "transport close" and reconnect by themselves (a server-side disconnect would stop them).
   */
  announceShutdown(): void {
    if (!this.server) return;
    // Only this instance's clients: the others' keep their connections.
    this.server.local.emit(ServerEvent.ServerShutdown, { reason: 'Server is restarting', reconnectAfterMs: 1000 });
    for (const socket of this.server.of('/').sockets.values()) socket.conn.close();
  }

  /**
   * What a rejoining socket missed of the messages it holds (seq <= lastSeq): each message changed
   * after `lastChangeSeq`, as it is now, in change order, at most JOIN_CATCH_UP_MAX of them; with
   * the room's change counter of the same read. Nothing to replay: the counter as the access check read it.
   */
  private async readChanges(roomId: string, lastSeq: number | undefined, lastChangeSeq: number | undefined, roomChangeSeq: number): Promise<ChangeReplay> {
    if (lastSeq === undefined || lastChangeSeq === undefined) return { replay: [], changeSeq: roomChangeSeq, hasMore: false };
    const cap = this.config.joinCatchUpMax;
    const changed = await this.changes.changedSince(roomId, lastSeq, lastChangeSeq, cap + 1);
    if (changed.messages.length <= cap) return { replay: changed.messages, changeSeq: changed.lastChangeSeq, hasMore: false };
    const replay = changed.messages.slice(0, cap);
    return { replay, changeSeq: replay[replay.length - 1].changeSeq, hasMore: true };
  }

  /**
   * Changes committed between that read and the socket entering the room were announced before it
   * was there to hear them: read once more (usually nothing) and send what is newer. A copy it also
   * got live is harmless, as every update carries the whole message and its changeSeq.
   */
  private async replayLateChanges(socket: ChatSocket, roomId: string, throughSeq: number, afterChangeSeq: number): Promise<void> {
    const late = await this.changes.changedSince(roomId, throughSeq, afterChangeSeq, this.config.joinCatchUpMax);
    for (const message of late.messages) socket.emit(ServerEvent.MessageUpdated, { message, changeSeq: message.changeSeq });
  }

  private async leaveRoom(socket: ChatSocket, roomId: string): Promise<void> {
    void socket.leave(roomId);
    this.delivery.release(roomId);
    const userId = socket.data.userId;
    if (await this.presence.leave(roomId, userId, socket.id)) await this.announceDeparture(roomUser(socket, roomId));
  }

  private async announceDeparture(payload: RoomUserPayload): Promise<void> {
    if (await this.typing.stop(payload.roomId, payload.userId)) this.server?.to(payload.roomId).emit(ServerEvent.UserStopTyping, payload);
    this.server?.to(payload.roomId).emit(ServerEvent.UserLeft, payload);
  }

  /**
   * A socket's messages take seqs in the order it sent them. A send to a room the socket has not
   * entered checks access in the database first, and those checks can finish out of order: such a
   * send, and every later send of that socket while it is pending, runs after the one before it.
   */
  private inSendOrder<T>(socketId: string, roomEntered: boolean, run: () => Promise<T>): Promise<T> {
    if (roomEntered && !this.sendQueues.get(socketId)) return run();
    return this.inOrder(this.sendQueues, socketId, run);
  }

  /** Runs `run` after the socket's previous task in `queues` has settled. */
  private inOrder<T>(queues: Map<string, Promise<void>>, socketId: string, run: () => Promise<T>): Promise<T> {
    const result = (queues.get(socketId) ?? Promise.resolve()).then(run);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    queues.set(socketId, tail);
    void tail.then(() => {
      if (queues.get(socketId) === tail) queues.delete(socketId);
    });
    return result;
  }

  private async requireJoined(socket: ChatSocket, roomId: string): Promise<void> {
    // Always asked of the database: a removal done on another instance counts before its event arrives.
    await this.rooms.access(asUser(socket), roomId);
    if (!this.joined.get(socket.id)?.has(roomId)) throw AppException.forbidden(`Join room "${roomId}" first`);
  }

  private scheduleExpiry(socket: ChatSocket): void {
    const ms = socket.data.tokenExpiresAt * 1000 - Date.now();
    const timer = setTimeout(
      () => {
        socket.emit(ServerEvent.Error, { code: ErrorCode.UNAUTHORIZED, message: 'Access token expired' });
        socket.disconnect(true);
      },
      Math.max(0, Math.min(ms, 2 ** 31 - 1)),
    );
    timer.unref();
    this.expiryTimers.set(socket.id, timer);
  }
}
