import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A message can now change after it is sent (edit, delete, reaction, a thread reply). Each room has a
 * change counter beside its seq counter; every change takes the room's next `change_seq` and stamps it
 * on the message row, so "what changed after N" is one indexed range read, for a rejoining socket and
 * for the integrations' changes feed alike. A delete keeps the row as a tombstone so seqs stay gap-free.
 */
export class MessageChanges1766450000000 implements MigrationInterface {
  name = 'MessageChanges1766450000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE rooms ADD COLUMN last_change_seq bigint NOT NULL DEFAULT 0`);
    await queryRunner.query(`ALTER TABLE messages ADD COLUMN edited_at timestamptz NULL`);
    await queryRunner.query(`ALTER TABLE messages ADD COLUMN deleted_at timestamptz NULL`);
    await queryRunner.query(`ALTER TABLE messages ADD COLUMN change_seq bigint NOT NULL DEFAULT 0`);
    await queryRunner.query(`ALTER TABLE messages ADD COLUMN thread_id uuid NULL REFERENCES messages(id)`);
    await queryRunner.query(
      `CREATE INDEX messages_room_change_seq_idx ON messages (room_id, change_seq) WHERE change_seq > 0`,
    );
    await queryRunner.query(`CREATE INDEX messages_thread_idx ON messages (thread_id, seq) WHERE thread_id IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX messages_thread_idx`);
    await queryRunner.query(`DROP INDEX messages_room_change_seq_idx`);
    await queryRunner.query(`ALTER TABLE messages DROP COLUMN thread_id`);
    await queryRunner.query(`ALTER TABLE messages DROP COLUMN change_seq`);
    await queryRunner.query(`ALTER TABLE messages DROP COLUMN deleted_at`);
    await queryRunner.query(`ALTER TABLE messages DROP COLUMN edited_at`);
    await queryRunner.query(`ALTER TABLE rooms DROP COLUMN last_change_seq`);
  }
}
