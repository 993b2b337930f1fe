import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { AiMessageMetadata, MessageStatus } from '@chat/contract';

const bigintAsNumber = { to: (v: number) => v, from: (v: string | number) => Number(v) };

@Entity({ name: 'messages' })
export class MessageEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'room_id', type: 'varchar', length: 64 })
  roomId: string;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  seq: number;

  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  @Column({ type: 'text' })
  content: string;

  @Column({ name: 'is_ai', type: 'boolean', default: false })
  isAi: boolean;

  @Column({ name: 'client_message_id', type: 'varchar', length: 64, nullable: true })
  clientMessageId: string | null;

  @Column({ type: 'varchar', length: 16, default: 'complete' })
  status: MessageStatus;

  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  metadata: AiMessageMetadata;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', nullable: true })
  updatedAt: Date | null;

  @Column({ name: 'edited_at', type: 'timestamptz', nullable: true })
  editedAt: Date | null;

  /** A tombstone: content is emptied and the row kept, so seqs stay gap-free. */
  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;

  /** The room's change counter at this message's last change (0 = never changed after sending). */
  @Column({ name: 'change_seq', type: 'bigint', default: 0, transformer: bigintAsNumber })
  changeSeq: number;

  /** The top-level message this one replies to, in a thread. */
  @Column({ name: 'thread_id', type: 'uuid', nullable: true })
  threadId: string | null;

  /** On a thread root: its replies, kept in the reply's transaction. */
  @Column({ name: 'reply_count', type: 'integer', default: 0 })
  replyCount: number;

  @Column({ name: 'last_reply_at', type: 'timestamptz', nullable: true })
  lastReplyAt: Date | null;

  /** Room members the text @-mentions, resolved when it was written. */
  @Column({ type: 'uuid', array: true, default: () => "'{}'" })
  mentions: string[];
}
