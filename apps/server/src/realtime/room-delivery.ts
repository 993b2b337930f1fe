import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { AiStreamDeltaPayload, AiStreamStartPayload, ChatMessage, MessageUpdatedPayload } from '@chat/contract';
import { ServerEvent } from '@chat/contract';
import { MessagesService } from '../messages/messages.service.js';
import type { ChatServer, ChatSocket } from './socket.types.js';

export interface Delivery {
  message: ChatMessage;
  originSocketId?: string;
}

interface RoomStream {
  roomId: string;
  /** Last seq emitted to this instance's sockets in the room. */
  deliveredSeq: number;
  ready: Promise<void>;
  isReady: boolean;
  /** Arrived ahead of a missing seq; emitted once the gap is filled. */
  pending: Map<number, Delivery>;
  /** The newest delivered messages, so a joiner catching up rarely needs the database. */
  recent: ChatMessage[];
  gapTimer?: NodeJS.Timeout;
  /** Sockets between "start catching up" and "joined": the stream must outlive them. */
  joining: number;
}

const RECENT_LIMIT = 256;

/** A streaming reply's text so far and the index its next delta will carry. */
interface StreamedSoFar {
  text: string;
  nextIndex: number;
}

function streamStart(message: ChatMessage, soFar: StreamedSoFar = { text: message.content, nextIndex: 0 }): AiStreamStartPayload {
  return {
    messageId: message.id,
    roomId: message.roomId,
    seq: message.seq,
    replyTo: message.metadata?.replyTo ?? null,
    content: soFar.text,
    nextIndex: soFar.nextIndex,
    ...(message.threadId ? { threadId: message.threadId } : {}),
  };
}

/** A stored message as the catch-up sends it: still-streaming replies as their start, with the text streamed so far. */
function emitStored(socket: ChatSocket, message: ChatMessage, streamed: ReadonlyMap<string, StreamedSoFar>): void {
  if (message.status === 'streaming') socket.emit(ServerEvent.AiStreamStart, streamStart(message, streamed.get(message.id)));
  else socket.emit(ServerEvent.NewMessage, message);
}
const CATCH_UP_PAGE = 500;
const GAP_WAIT_MS = 150;

/**
 * Emits each room's messages to this instance's sockets in seq order, exactly once per socket.
 * Seqs are gap-free, so a missing one is detected and fetched from the database instead of being
 * skipped; a joiner with `lastSeq` is caught up from the database (or the recent buffer) and then
 * added to the room in the same tick, so nothing falls between the backlog and the live stream.
 */
@Injectable()
export class RoomDelivery implements OnModuleDestroy {
  private readonly logger = new Logger(RoomDelivery.name);
  private readonly streams = new Map<string, RoomStream>();
  /** Text of replies streaming from here: the stored row stays empty until the end, so a joiner mid-reply gets it from here. */
  private readonly streamed = new Map<string, StreamedSoFar>();
  private server?: ChatServer;

  constructor(private readonly messages: MessagesService) {}

  attach(server: ChatServer): void {
    this.server = server;
  }

  onModuleDestroy(): void {
    for (const stream of this.streams.values()) clearTimeout(stream.gapTimer);
    this.streams.clear();
    this.streamed.clear();
  }

  deliver(delivery: Delivery): void {
    const stream = this.streams.get(delivery.message.roomId);
    if (!stream) {
      // Nobody here is in the room; the sender may still be here without having joined it.
      this.sendToOrigin(delivery);
      return;
    }
    if (!stream.isReady) {
      stream.pending.set(delivery.message.seq, delivery);
      return;
    }
    this.accept(stream, delivery);
  }

  /**
   * Sends the backlog after `lastSeq` (at most `maxCatchUp` newest messages of it), then adds the
   * socket to the room with no gap and no repeat. Returns the seq it is current to, and where the
   * sent backlog began when older messages were left for REST.
   */
  async join(socket: ChatSocket, roomId: string, lastSeq: number | undefined, maxCatchUp = Number.POSITIVE_INFINITY): Promise<{ current: number; catchUpFrom?: number }> {
    const stream = await this.stream(roomId);
    stream.joining++;
    try {
      return await this.catchUpAndJoin(stream, socket, lastSeq, maxCatchUp);
    } finally {
      stream.joining--;
    }
  }

  private async catchUpAndJoin(stream: RoomStream, socket: ChatSocket, lastSeq: number | undefined, maxCatchUp: number): Promise<{ current: number; catchUpFrom?: number }> {
    const roomId = stream.roomId;
    if (socket.rooms.has(roomId)) void socket.leave(roomId);
    let cursor = lastSeq ?? stream.deliveredSeq;
    // A join asking for more than the cap gets the newest part; the client pages the rest by REST.
    // Seqs are gap-free, so the count after a seq is a subtraction.
    let catchUpFrom: number | undefined;
    if (stream.deliveredSeq - cursor > maxCatchUp) {
      cursor = stream.deliveredSeq - maxCatchUp;
      catchUpFrom = cursor + 1;
    }
    while (cursor < stream.deliveredSeq) {
      const target = stream.deliveredSeq;
      const buffered = this.recentAfter(stream, cursor);
      if (buffered) {
        for (const message of buffered) emitStored(socket, message, this.streamed);
        cursor = target;
        break;
      }
      const page = await this.messages.range(roomId, cursor, target, CATCH_UP_PAGE);
      if (page.length === 0) break;
      for (const message of page) emitStored(socket, message, this.streamed);
      cursor = page[page.length - 1].seq;
    }
    // No await between the last check above and this join: the live stream takes over exactly here.
    void socket.join(roomId);
    return { current: stream.deliveredSeq, ...(catchUpFrom !== undefined ? { catchUpFrom } : {}) };
  }

  /** Text of a streaming reply, to this instance's sockets in the room (every instance hears of it). */
  streamDelta(payload: AiStreamDeltaPayload): void {
    const soFar = this.streamed.get(payload.messageId);
    this.streamed.set(payload.messageId, { text: (soFar?.text ?? '') + payload.delta, nextIndex: payload.index + 1 });
    this.server?.local.to(payload.roomId).emit(ServerEvent.AiStreamDelta, payload);
  }

  /**
   * A reply reached its final state: `ai_stream_end` for clients that follow streams, and
   * `new_message` so a seed client shows the answer too (the asker included).
   */
  streamEnded(message: ChatMessage): void {
    this.streamed.delete(message.id);
    const stream = this.streams.get(message.roomId);
    const index = stream?.recent.findIndex((m) => m.id === message.id) ?? -1;
    if (stream && index >= 0) stream.recent[index] = message;
    this.server?.local.to(message.roomId).emit(ServerEvent.AiStreamEnd, { message });
    this.server?.local.to(message.roomId).emit(ServerEvent.NewMessage, message);
  }

  /**
   * A stored message changed: to this instance's sockets in the room, and into the recent buffer, so
   * a joiner caught up from it gets the message as it is now.
   */
  messageUpdated(update: MessageUpdatedPayload): void {
    const { message } = update;
    const stream = this.streams.get(message.roomId);
    const index = stream?.recent.findIndex((m) => m.id === message.id) ?? -1;
    if (stream && index >= 0 && stream.recent[index].changeSeq < message.changeSeq) stream.recent[index] = message;
    this.server?.local.to(message.roomId).emit(ServerEvent.MessageUpdated, update);
  }

  /**
   * Events from other instances may have been lost (Redis was unreachable): every room followed here
   * reads what was stored after its last delivered seq, in order, as a gap fill would.
   */
  async resync(): Promise<void> {
    for (const stream of [...this.streams.values()]) {
      if (!stream.isReady) continue;
      try {
        const target = await this.messages.lastSeq(stream.roomId);
        while (stream.deliveredSeq < target && this.streams.get(stream.roomId) === stream) {
          const page = await this.messages.range(stream.roomId, stream.deliveredSeq, target, CATCH_UP_PAGE);
          if (page.length === 0) break;
          for (const message of page) this.accept(stream, { message });
        }
      } catch (error) {
        this.logger.warn(`Catching up room ${stream.roomId} failed: ${String(error)}`);
      }
    }
  }

  /** Forget a room once no socket on this instance is in it. */
  release(roomId: string): void {
    const stream = this.streams.get(roomId);
    if (!stream || stream.joining > 0 || this.localSocketCount(roomId) > 0) return;
    clearTimeout(stream.gapTimer);
    this.streams.delete(roomId);
  }

  /** Rooms with a live stream here (for leak checks and stats). */
  streamCount(): number {
    return this.streams.size;
  }

  private async stream(roomId: string): Promise<RoomStream> {
    const existing = this.streams.get(roomId);
    if (existing) {
      await existing.ready;
      return existing;
    }
    const stream: RoomStream = { roomId, deliveredSeq: 0, ready: Promise.resolve(), isReady: false, pending: new Map(), recent: [], joining: 0 };
    stream.ready = this.messages.lastSeq(roomId).then(
      (lastSeq) => {
        stream.deliveredSeq = lastSeq;
        stream.isReady = true;
        for (const [seq, delivery] of stream.pending) {
          if (seq > lastSeq) continue;
          // Stored before the stream's starting point, so not live for the room, but its sender still awaits message_sent.
          stream.pending.delete(seq);
          this.sendToOrigin(delivery);
        }
        this.drain(stream);
      },
      (error: unknown) => {
        this.streams.delete(roomId);
        throw error;
      },
    );
    this.streams.set(roomId, stream);
    await stream.ready;
    return stream;
  }

  private accept(stream: RoomStream, delivery: Delivery): void {
    if (delivery.message.seq <= stream.deliveredSeq) {
      // Already behind the stream (read from the database as its starting point, or a gap fill): not live for
      // the room, but its sender still awaits message_sent.
      this.sendToOrigin(delivery);
      return;
    }
    stream.pending.set(delivery.message.seq, delivery);
    this.drain(stream);
  }

  private drain(stream: RoomStream): void {
    for (let next = stream.pending.get(stream.deliveredSeq + 1); next; next = stream.pending.get(stream.deliveredSeq + 1)) {
      stream.pending.delete(next.message.seq);
      this.emit(stream, next);
    }
    if (stream.pending.size > 0) this.scheduleGapFill(stream);
  }

  private emit(stream: RoomStream, delivery: Delivery): void {
    const { message, originSocketId } = delivery;
    stream.deliveredSeq = message.seq;
    stream.recent.push(message);
    if (stream.recent.length > RECENT_LIMIT) stream.recent.splice(0, stream.recent.length - RECENT_LIMIT);
    const room = this.server!.local.to(stream.roomId);
    if (message.status === 'streaming') {
      // An assistant reply taking its place in the room's order; its text follows as deltas.
      room.emit(ServerEvent.AiStreamStart, streamStart(message));
      return;
    }
    (originSocketId ? room.except(originSocketId) : room).emit(ServerEvent.NewMessage, message);
    this.sendToOrigin(delivery);
  }

  /** `message_sent` to the sending socket, if it is on this instance. */
  sendToOrigin({ message, originSocketId }: Delivery): void {
    if (!originSocketId || !this.server) return;
    this.localSocket(originSocketId)?.emit(ServerEvent.MessageSent, message);
  }

  /** A seq is missing (another instance's message not here yet): wait briefly, then read it from the database. */
  private scheduleGapFill(stream: RoomStream): void {
    if (stream.gapTimer) return;
    stream.gapTimer = setTimeout(() => {
      stream.gapTimer = undefined;
      const firstPending = Math.min(...stream.pending.keys());
      this.messages.range(stream.roomId, stream.deliveredSeq, firstPending - 1, CATCH_UP_PAGE).then(
        (missing) => {
          if (this.streams.get(stream.roomId) !== stream) return;
          for (const message of missing) this.accept(stream, { message });
          this.drain(stream);
        },
        (error: unknown) => {
          this.logger.warn(`Filling a gap in room ${stream.roomId} failed: ${String(error)}`);
          if (this.streams.get(stream.roomId) === stream) this.scheduleGapFill(stream);
        },
      );
    }, GAP_WAIT_MS);
    stream.gapTimer.unref();
  }

  private recentAfter(stream: RoomStream, cursor: number): ChatMessage[] | null {
    const oldest = stream.recent[0];
    if (!oldest || oldest.seq > cursor + 1) return null;
    return stream.recent.filter((message) => message.seq > cursor);
  }

  private localSocket(socketId: string): ChatSocket | undefined {
    return this.server?.of('/').sockets.get(socketId);
  }

  private localSocketCount(roomId: string): number {
    return this.server?.of('/').adapter.rooms.get(roomId)?.size ?? 0;
  }
}
