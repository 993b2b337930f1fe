import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { RoomMemberRole, RoomVisibility } from '@chat/contract';

const bigintAsNumber = { to: (v: number) => v, from: (v: string | number) => Number(v) };

@Entity({ name: 'rooms' })
export class RoomEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id: string;

  @Column({ type: 'varchar', length: 128 })
  name: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ type: 'varchar', length: 16 })
  visibility: RoomVisibility;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @Column({ name: 'ai_enabled', type: 'boolean', default: true })
  aiEnabled: boolean;

  @Column({ name: 'system_prompt', type: 'text', nullable: true })
  systemPrompt: string | null;

  /** The per-room counter that hands out message seqs; only the message writer moves it. */
  @Column({ name: 'last_seq', type: 'bigint', default: 0, transformer: bigintAsNumber, update: false })
  lastSeq: number;

  /** The per-room counter that every edit, delete and reaction takes its `changeSeq` from. */
  @Column({ name: 'last_change_seq', type: 'bigint', default: 0, transformer: bigintAsNumber, update: false })
  lastChangeSeq: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

@Entity({ name: 'room_members' })
export class RoomMemberEntity {
  @PrimaryColumn({ name: 'room_id', type: 'varchar', length: 64 })
  roomId: string;

  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ type: 'varchar', length: 16 })
  role: RoomMemberRole;

  @CreateDateColumn({ name: 'joined_at', type: 'timestamptz' })
  joinedAt: Date;
}
