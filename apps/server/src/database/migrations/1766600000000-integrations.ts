import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Integrations: service accounts, API keys (only their SHA-256 is stored), the changes outbox that a
 * trigger on `messages` fills (so the feed does not depend on which code path changed a message), and
 * the webhook queue. See changes.repository.ts for why each outbox row records its transaction id.
 */
export class Integrations1766600000000 implements MigrationInterface {
  name = 'Integrations1766600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE users DROP CONSTRAINT users_role_check`);
    await queryRunner.query(`ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'staff', 'service'))`);

    await queryRunner.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name varchar(100) NOT NULL,
        key_hash bytea NOT NULL UNIQUE,
        prefix varchar(16) NOT NULL,
        scopes text[] NOT NULL,
        room_ids text[] NULL,
        expires_at timestamptz NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz NULL,
        revoked_at timestamptz NULL
      )`);
    await queryRunner.query(`CREATE INDEX api_keys_user_idx ON api_keys (user_id, created_at)`);

    await queryRunner.query(`
      CREATE TABLE change_events (
        id bigserial PRIMARY KEY,
        tx_id bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
        type varchar(32) NOT NULL,
        room_id varchar(64) NOT NULL,
        message_id uuid NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        -- The row as this change left it, so an update carries the text it set, not a later one.
        message_row jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX change_events_order_idx ON change_events (tx_id, id)`);
    await queryRunner.query(`CREATE INDEX change_events_created_idx ON change_events (created_at)`);
    await queryRunner.query(`CREATE INDEX change_events_message_idx ON change_events (message_id)`);
    // The newest (tx_id, id) pruned by retention: a cursor at or below it may have missed rows.
    await queryRunner.query(`
      CREATE TABLE change_events_horizon (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        tx_id bigint NOT NULL DEFAULT 0,
        id bigint NOT NULL DEFAULT 0
      )`);
    await queryRunner.query(`INSERT INTO change_events_horizon DEFAULT VALUES`);
    // An edit or a delete stamps change_seq (issue 11's rule); a reply leaving 'streaming' is an update too.
    await queryRunner.query(`
      CREATE FUNCTION record_message_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO change_events (type, room_id, message_id, message_row) VALUES ('message.created', NEW.room_id, NEW.id, to_jsonb(NEW));
        ELSIF NEW.deleted_at IS NOT NULL AND OLD.deleted_at IS NULL THEN
          INSERT INTO change_events (type, room_id, message_id, message_row) VALUES ('message.deleted', NEW.room_id, NEW.id, to_jsonb(NEW));
        ELSIF NEW.deleted_at IS NULL AND (NEW.change_seq IS DISTINCT FROM OLD.change_seq
            OR (OLD.status = 'streaming' AND NEW.status <> 'streaming')) THEN
          INSERT INTO change_events (type, room_id, message_id, message_row) VALUES ('message.updated', NEW.room_id, NEW.id, to_jsonb(NEW));
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER messages_record_change AFTER INSERT OR UPDATE ON messages
      FOR EACH ROW EXECUTE FUNCTION record_message_change()`);

    await queryRunner.query(`
      CREATE TABLE webhooks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        owner_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        url text NOT NULL,
        events text[] NOT NULL,
        room_id varchar(64) NULL REFERENCES rooms(id) ON DELETE CASCADE,
        secret text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        disabled_at timestamptz NULL,
        disabled_reason text NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        webhook_id uuid NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
        event_id uuid NOT NULL,
        type varchar(32) NOT NULL,
        body text NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'pending',
        attempts jsonb NOT NULL DEFAULT '[]'::jsonb,
        next_attempt_at timestamptz NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (webhook_id, event_id)
      )`);
    await queryRunner.query(`CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'`);
    await queryRunner.query(`CREATE INDEX webhook_deliveries_hook_idx ON webhook_deliveries (webhook_id, created_at DESC)`);
    // How far the dispatcher has turned change events into deliveries.
    await queryRunner.query(`
      CREATE TABLE webhook_dispatch_cursor (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        tx_id bigint NOT NULL DEFAULT 0,
        id bigint NOT NULL DEFAULT 0
      )`);
    await queryRunner.query(`INSERT INTO webhook_dispatch_cursor DEFAULT VALUES`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE webhook_dispatch_cursor`);
    await queryRunner.query(`DROP TABLE webhook_deliveries`);
    await queryRunner.query(`DROP TABLE webhooks`);
    await queryRunner.query(`DROP TRIGGER messages_record_change ON messages`);
    await queryRunner.query(`DROP FUNCTION record_message_change()`);
    await queryRunner.query(`DROP TABLE change_events_horizon`);
    await queryRunner.query(`DROP TABLE change_events`);
    await queryRunner.query(`DROP TABLE api_keys`);
    await queryRunner.query(`DELETE FROM users WHERE role = 'service'`);
    await queryRunner.query(`ALTER TABLE users DROP CONSTRAINT users_role_check`);
    await queryRunner.query(`ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'staff'))`);
  }
}
