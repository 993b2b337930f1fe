import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764270000000 implements MigrationInterface {
  name = 'InitialSchema1764270000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username varchar(64) NOT NULL,
        display_name varchar(128) NOT NULL,
        role varchar(16) NOT NULL CHECK (role IN ('admin', 'staff')),
        password_hash text NOT NULL,
        disabled boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Usernames are unique regardless of case, so "Alice" cannot shadow "alice".
    await queryRunner.query(`CREATE UNIQUE INDEX users_username_key ON users (lower(username))`);

    await queryRunner.query(`
      CREATE TABLE rooms (
        id varchar(64) PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
        name varchar(128) NOT NULL,
        description text,
        visibility varchar(16) NOT NULL CHECK (visibility IN ('public', 'private')),
        created_by uuid REFERENCES users (id) ON DELETE SET NULL,
        ai_enabled boolean NOT NULL DEFAULT true,
        system_prompt text,
        last_seq bigint NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await queryRunner.query(`
      CREATE TABLE room_members (
        room_id varchar(64) NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        role varchar(16) NOT NULL CHECK (role IN ('owner', 'member')),
        joined_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (room_id, user_id)
      )`);
    await queryRunner.query(`CREATE INDEX room_members_user_idx ON room_members (user_id)`);

    await queryRunner.query(`
      CREATE TABLE messages (
        id uuid PRIMARY KEY,
        room_id varchar(64) NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        seq bigint NOT NULL,
        user_id uuid REFERENCES users (id) ON DELETE SET NULL,
        content text NOT NULL,
        is_ai boolean NOT NULL DEFAULT false,
        client_message_id varchar(64),
        status varchar(16) NOT NULL DEFAULT 'complete'
          CHECK (status IN ('complete', 'streaming', 'cancelled', 'error')),
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz,
        CONSTRAINT messages_room_seq_key UNIQUE (room_id, seq)
      )`);
    // Idempotent sends: one message per (sender, clientMessageId).
    await queryRunner.query(
      `CREATE UNIQUE INDEX messages_client_message_key ON messages (user_id, client_message_id) WHERE client_message_id IS NOT NULL`,
    );
    await queryRunner.query(`CREATE INDEX messages_created_at_idx ON messages (created_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE messages`);
    await queryRunner.query(`DROP TABLE room_members`);
    await queryRunner.query(`DROP TABLE rooms`);
    await queryRunner.query(`DROP TABLE users`);
  }
}
