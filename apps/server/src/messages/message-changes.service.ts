import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Subscription } from 'rxjs';
import { ErrorCode } from '@chat/contract';
import type { ChatMessage, MessageUpdatedPayload } from '@chat/contract';
import type { AuthUser } from '../auth/auth.types.js';
import { AppException } from '../common/app-exception.js';
import { DomainEvents } from '../common/domain-events.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { RoomsService } from '../rooms/rooms.service.js';
import { ChangeTarget, MessageChangesRepository } from './message-changes.repository.js';
import { checkMessageContent } from './messages.service.js';
import { MentionResolver } from './mention-resolver.js';

/** Where a change was asked: REST names the room in its path, the socket only the message. */
export interface ChangeScope {
  roomId?: string;
}

/**
 * Edits, deletes and reactions: who may do which, and one `message.updated` per change. The
 * repository stamps each change with the room's next change seq; a change that changes nothing
 * (a reaction already there, a delete of a tombstone) takes none and announces nothing.
 */
@Injectable()
export class MessageChangesService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(MessageChangesService.name);
  private readonly subscription = new Subscription();

  constructor(
    private readonly repository: MessageChangesRepository,
    private readonly rooms: RoomsService,
    private readonly mentions: MentionResolver,
    private readonly events: DomainEvents,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * A reply stored (by a person or the assistant) counted on its root in the same transaction;
   * announced here, once, on the instance that stored it, with the root as it now is.
   */
  onModuleInit(): void {
    this.subscription.add(
      this.events.onLocal('message.created').subscribe(({ message }) => {
        if (message.threadId) void this.announceRoot(message.threadId);
      }),
    );
  }

  onModuleDestroy(): void {
    this.subscription.unsubscribe();
  }

  private async announceRoot(rootId: string): Promise<void> {
    try {
      const root = await this.repository.message(rootId);
      if (root) this.events.emit('message.updated', { message: root, changeSeq: root.changeSeq });
    } catch (error) {
      // The count is stored; a client missing this update gets it from the replay or the next load.
      this.logger.warn(`Announcing thread root ${rootId} failed: ${String(error)}`);
    }
  }

  /** The author changes their own text; an assistant reply is nobody's to edit. */
  async edit(user: AuthUser, messageId: string, content: string, scope: ChangeScope = {}): Promise<MessageUpdatedPayload> {
    checkMessageContent(content, this.config.messageMaxLength);
    const target = await this.find(user, messageId, scope);
    if (target.isAi || target.userId !== user.id) throw AppException.forbidden('Only the author can edit this message');
    if (target.deleted) throw gone(messageId);
    const mentions = await this.mentions.resolve(target.roomId, content);
    const changed = await this.repository.change(target.roomId, messageId, (manager, changeSeq) =>
      this.repository.edit(manager, messageId, changeSeq, content, mentions),
    );
    if (!changed) throw gone(messageId);
    // Only those the edit names anew hear of it: a typo fixed does not ping everyone again.
    const newlyMentioned = mentions.filter((id) => id !== user.id && !target.mentions.includes(id));
    if (newlyMentioned.length > 0) this.events.emit('message.mentioned', { message: changed.message, userIds: newlyMentioned });
    return this.announce(changed);
  }

  /** The author, the room owner or an admin; deleting a tombstone again changes nothing. */
  async delete(user: AuthUser, messageId: string, scope: ChangeScope = {}): Promise<MessageUpdatedPayload> {
    const target = await this.find(user, messageId, scope);
    const { myRole } = await this.rooms.access(user, target.roomId);
    const isAuthor = !target.isAi && target.userId === user.id;
    if (!isAuthor && myRole !== 'owner' && user.role !== 'admin') {
      throw AppException.forbidden('Only the author, the room owner or an admin can delete this message');
    }
    if (target.status === 'streaming') throw new AppException(ErrorCode.CONFLICT, 'The reply is still streaming; stop it first');
    const changed = await this.repository.change(target.roomId, messageId, (manager, changeSeq) => this.repository.tombstone(manager, messageId, changeSeq));
    return changed ? this.announce(changed) : this.current(messageId);
  }

  /** One reaction per user per emoji: adding it again is a no-op, not an error. */
  async react(user: AuthUser, messageId: string, emoji: string, scope: ChangeScope = {}): Promise<MessageUpdatedPayload> {
    const target = await this.find(user, messageId, scope);
    if (target.deleted) throw gone(messageId);
    // Its stored text stays empty until it ends: an update now would blank what the room is watching stream.
    if (target.status === 'streaming') throw new AppException(ErrorCode.CONFLICT, 'The reply is still streaming; react when it ends');
    const changed = await this.repository.change(target.roomId, messageId, (manager, changeSeq) =>
      this.repository.addReaction(manager, messageId, changeSeq, user.id, emoji),
    );
    return changed ? this.announce(changed) : this.current(messageId, true);
  }

  /** Removing a reaction that is not there is a no-op too. */
  async unreact(user: AuthUser, messageId: string, emoji: string, scope: ChangeScope = {}): Promise<MessageUpdatedPayload> {
    const target = await this.find(user, messageId, scope);
    const changed = await this.repository.change(target.roomId, messageId, (manager, changeSeq) =>
      this.repository.removeReaction(manager, messageId, changeSeq, user.id, emoji),
    );
    return changed ? this.announce(changed) : this.current(messageId);
  }

  /**
   * For a rejoining socket (access already checked): messages it holds (seq <= throughSeq) changed
   * after `afterChangeSeq`, in change order, at most `limit`, and the room's change counter.
   */
  changedSince(roomId: string, throughSeq: number, afterChangeSeq: number, limit: number): Promise<{ messages: ChatMessage[]; lastChangeSeq: number }> {
    return this.repository.changedSince(roomId, throughSeq, afterChangeSeq, limit);
  }

  /** The message, in a room the user may read (and in the room the request named, if it named one). */
  private async find(user: AuthUser, messageId: string, scope: ChangeScope): Promise<ChangeTarget> {
    if (scope.roomId !== undefined) await this.rooms.access(user, scope.roomId);
    const target = await this.repository.target(messageId);
    if (!target || (scope.roomId !== undefined && target.roomId !== scope.roomId)) throw notFound(messageId);
    if (scope.roomId === undefined) await this.rooms.access(user, target.roomId);
    return target;
  }

  private announce(changed: MessageUpdatedPayload): MessageUpdatedPayload {
    this.events.emit('message.updated', changed);
    return changed;
  }

  /** The message as it stands, for a change that changed nothing. */
  private async current(messageId: string, mustExist = false): Promise<MessageUpdatedPayload> {
    const message = await this.repository.message(messageId);
    if (!message || (mustExist && message.deletedAt)) throw gone(messageId);
    return { message, changeSeq: message.changeSeq };
  }
}

const notFound = (messageId: string) => new AppException(ErrorCode.NOT_FOUND, `Message "${messageId}" does not exist`);
const gone = (messageId: string) => new AppException(ErrorCode.NOT_FOUND, `Message "${messageId}" was deleted`);
