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
}
