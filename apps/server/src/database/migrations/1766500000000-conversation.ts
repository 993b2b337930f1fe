import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reactions, thread roots' reply counters, resolved mentions and read positions. A root's reply
 * count is stored (not counted on read) because every page of history shows it; it changes in the
 * reply's own transaction, with the root's change_seq, so the changes feed sees it as a change.
 */
export class Conversation1766500000000 implements MigrationInterface {
  name = 'Conversation1766500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE messages ADD COLUMN reply_count integer NOT NULL DEFAULT 0`);
    await queryRunner.query(`ALTER TABLE messages ADD COLUMN last_reply_at timestamptz NULL`);
    await queryRunner.query(`ALTER TABLE messages ADD COLUMN mentions uuid[] NOT NULL DEFAULT '{}'`);
    // "Mentions of me after my read position" is a containment test: GIN answers it without a scan.
    await queryRunner.query(`CREATE INDEX messages_mentions_idx ON messages USING gin (mentions) WHERE mentions <> '{}'`);
    await queryRunner.query(`
      CREATE TABLE message_reactions (
        message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        emoji varchar(64) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (message_id, emoji, user_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE room_read_positions (
        room_id varchar(64) NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        last_read_seq bigint NOT NULL DEFAULT 0 CHECK (last_read_seq >= 0),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, room_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE room_read_positions`);
    await queryRunner.query(`DROP TABLE message_reactions`);
    await queryRunner.query(`DROP INDEX messages_mentions_idx`);
    await queryRunner.query(`ALTER TABLE messages DROP COLUMN mentions`);
    await queryRunner.query(`ALTER TABLE messages DROP COLUMN last_reply_at`);
    await queryRunner.query(`ALTER TABLE messages DROP COLUMN reply_count`);
  }
}
