import { Inject, Injectable } from '@nestjs/common';
import { ChatMessage, codePointLength, ErrorCode, HISTORY_PAGE_DEFAULT, MessagesPage } from '@chat/contract';
import type { AuthUser } from '../auth/auth.types.js';
import { AppException } from '../common/app-exception.js';
import { DomainEvents } from '../common/domain-events.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { RoomsService } from '../rooms/rooms.service.js';
import { MessageWriter } from './message-writer.js';
import { MessagesRepository } from './messages.repository.js';
import type { HistoryQueryDto } from './messages.dto.js';

export interface SendInput {
  roomId: string;
  content: string;
  clientMessageId?: string;
}

export interface SendOrigin {
  /** The socket that sent it gets `message_sent` instead of `new_message`. */
  socketId?: string;
  /** The realtime layer already checked access when the socket entered the room. */
  roomEntered?: boolean;
  /** The seed's `useAi`: the assistant answers (so does an `@ai` mention). */
  askAi?: boolean;
}

@Injectable()
export class MessagesService {
  constructor(
    private readonly repository: MessagesRepository,
    private readonly writer: MessageWriter,
    private readonly rooms: RoomsService,
    private readonly events: DomainEvents,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Stored first; announced only when it is new, so a resend never reaches the room twice. */
  async send(user: AuthUser, input: SendInput, origin: SendOrigin = {}): Promise<ChatMessage> {
    checkMessageContent(input.content, this.config.messageMaxLength);
    if (!origin.roomEntered) await this.rooms.enter(user, input.roomId);
    const { message, created } = await this.writer.write({
      roomId: input.roomId,
      userId: user.id,
      username: user.username,
      displayName: user.displayName,
      content: input.content,
      isAi: false,
      clientMessageId: input.clientMessageId,
      status: 'complete',
    });
    if (created) this.events.emit('message.created', { message, originSocketId: origin.socketId, askAi: origin.askAi });
    else this.events.emit('message.resent', { message, originSocketId: origin.socketId });
    return message;
  }

  async history(user: AuthUser, roomId: string, query: HistoryQueryDto): Promise<MessagesPage> {
    await this.rooms.access(user, roomId);
    const limit = query.limit ?? HISTORY_PAGE_DEFAULT;
    if (query.before !== undefined && query.after !== undefined && query.after >= query.before) {
      return { messages: [], hasMore: false };
    }
    // Without a lower bound we read newest-first and flip, so the page is the newest (or the one just before `before`).
    const ascending = query.after !== undefined;
    const rows = await this.repository.page(roomId, { after: query.after, before: query.before, limit: limit + 1 });
    const hasMore = rows.length > limit;
    const page = rows.slice(0, limit);
    return { messages: ascending ? page : page.reverse(), hasMore };
  }

  /** Messages after `afterSeq` up to `throughSeq`, ascending, for catching up a socket that already passed the access check. */
  range(roomId: string, afterSeq: number, throughSeq: number, limit: number): Promise<ChatMessage[]> {
    return this.repository.range(roomId, afterSeq, throughSeq, limit);
  }

  /** For shutdown: every send already accepted is stored before the database closes. */
  whenIdle(): Promise<void> {
    return this.writer.idle();
  }

  async lastSeq(roomId: string): Promise<number> {
    const lastSeq = await this.repository.lastSeq(roomId);
    if (lastSeq === null) throw AppException.roomNotFound(roomId);
    return lastSeq;
  }

  async lastChangeSeq(roomId: string): Promise<number> {
    const counters = await this.repository.counters(roomId);
    if (!counters) throw AppException.roomNotFound(roomId);
    return counters.lastChangeSeq;
  }
}

/** A message's text as sent or edited: not blank, no NUL, at most MESSAGE_MAX_LENGTH code points. */
export function checkMessageContent(content: string, maxLength: number): void {
  if (content.trim() === '') throw AppException.validation(['content must not be empty']);
  // PostgreSQL text cannot hold U+0000: let through, it fails the whole write batch, other users' messages included.
  if (content.includes('\u0000')) throw AppException.validation(['content must not contain NUL characters']);
  if (content.length > maxLength && codePointLength(content) > maxLength) {
    throw new AppException(ErrorCode.PAYLOAD_TOO_LARGE, `content must be at most ${maxLength} characters`);
  }
}
