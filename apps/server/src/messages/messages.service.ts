import { Inject, Injectable } from '@nestjs/common';
import { ChatMessage, codePointLength, ErrorCode, HISTORY_PAGE_DEFAULT, MessagesPage, ThreadPage } from '@chat/contract';
import type { AuthUser } from '../auth/auth.types.js';
import { AppException } from '../common/app-exception.js';
import { DomainEvents } from '../common/domain-events.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { RoomsService } from '../rooms/rooms.service.js';
import { MessageWriter } from './message-writer.js';
import { MessagesRepository } from './messages.repository.js';
import { MessageChangesRepository } from './message-changes.repository.js';
import { MentionResolver } from './mention-resolver.js';
import type { HistoryQueryDto } from './messages.dto.js';

export interface SendInput {
  roomId: string;
  content: string;
  clientMessageId?: string;
  /** Reply in the thread of this top-level message of the room. */
  threadId?: string;
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
    private readonly changes: MessageChangesRepository,
    private readonly mentions: MentionResolver,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Stored first; announced only when it is new, so a resend never reaches the room twice. */
  async send(user: AuthUser, input: SendInput, origin: SendOrigin = {}): Promise<ChatMessage> {
    checkMessageContent(input.content, this.config.messageMaxLength);
    if (!origin.roomEntered) await this.rooms.enter(user, input.roomId);
    if (input.threadId !== undefined) await this.requireThreadRoot(input.roomId, input.threadId);
    const mentions = await this.mentions.resolve(input.roomId, input.content);
    const { message, created } = await this.writer.write({
      roomId: input.roomId,
      userId: user.id,
      username: user.username,
      displayName: user.displayName,
      content: input.content,
      isAi: false,
      clientMessageId: input.clientMessageId,
      status: 'complete',
      threadId: input.threadId,
      mentions,
    });
    if (created) {
      this.events.emit('message.created', { message, originSocketId: origin.socketId, askAi: origin.askAi });
      const mentioned = message.mentions.filter((id) => id !== user.id);
      if (mentioned.length > 0) this.events.emit('message.mentioned', { message, userIds: mentioned });
    } else this.events.emit('message.resent', { message, originSocketId: origin.socketId });
    return message;
  }

  /** A thread root's replies, paged as the room's history is (newest page without a cursor). */
  async thread(user: AuthUser, roomId: string, rootId: string, query: HistoryQueryDto): Promise<ThreadPage> {
    await this.rooms.access(user, roomId);
    const root = await this.changes.message(rootId);
    if (!root || root.roomId !== roomId) throw new AppException(ErrorCode.NOT_FOUND, `Message "${rootId}" does not exist in this room`);
    if (root.threadId !== null) throw AppException.validation(['messageId must name a thread root (a top-level message)']);
    const { messages, hasMore } = await this.page(roomId, query, rootId);
    return { root, replies: messages, hasMore };
  }

  /** A reply goes under a top-level message of the same room that was not deleted. */
  private async requireThreadRoot(roomId: string, threadId: string): Promise<void> {
    const root = await this.changes.target(threadId);
    if (!root || root.roomId !== roomId) throw new AppException(ErrorCode.NOT_FOUND, `threadId "${threadId}" names no message of this room`);
    if (root.threadId !== null) throw AppException.validation(['threadId must name a top-level message, not a reply']);
    if (root.deleted) throw new AppException(ErrorCode.NOT_FOUND, `The thread root "${threadId}" was deleted`);
  }

  async history(user: AuthUser, roomId: string, query: HistoryQueryDto): Promise<MessagesPage> {
    await this.rooms.access(user, roomId);
    if (query.around !== undefined) return this.around(roomId, query.around, query.limit ?? HISTORY_PAGE_DEFAULT, query);
    return this.page(roomId, query);
  }

  /** A search hit in context: the message at `seq` with the older half of the page before it and the newer half after. */
  private async around(roomId: string, seq: number, limit: number, query: HistoryQueryDto): Promise<MessagesPage> {
    if (query.before !== undefined || query.after !== undefined) throw AppException.validation(['around cannot be combined with before or after']);
    const olderCount = Math.ceil(limit / 2);
    const newerCount = limit - olderCount;
    const [older, newer] = await Promise.all([
      this.repository.page(roomId, { before: seq + 1, limit: olderCount + 1 }),
      newerCount > 0 ? this.repository.page(roomId, { after: seq, limit: newerCount + 1 }) : Promise.resolve([]),
    ]);
    const hasMoreAfter = newerCount > 0 ? newer.length > newerCount : (await this.repository.page(roomId, { after: seq, limit: 1 })).length > 0;
    return {
      messages: [...older.slice(0, olderCount).reverse(), ...newer.slice(0, newerCount)],
      hasMore: older.length > olderCount,
      hasMoreAfter,
    };
  }

  private async page(roomId: string, query: HistoryQueryDto, threadId?: string): Promise<MessagesPage> {
    const limit = query.limit ?? HISTORY_PAGE_DEFAULT;
    if (query.before !== undefined && query.after !== undefined && query.after >= query.before) {
      return { messages: [], hasMore: false };
    }
    // Without a lower bound we read newest-first and flip, so the page is the newest (or the one just before `before`).
    const ascending = query.after !== undefined;
    const rows = await this.repository.page(roomId, { threadId, after: query.after, before: query.before, limit: limit + 1 });
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
