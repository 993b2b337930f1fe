import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log (append-only: a trigger refuses UPDATE, and DELETE unless the retention job says
 * so for its own transaction) and the token budgets, per role and per user.
 */
export class AuditLogAndQuotas1766400000000 implements MigrationInterface {
  name = 'AuditLogAndQuotas1766400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE audit_log (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        action text NOT NULL,
        actor_id uuid,
        actor_username text,
        target_type text,
        target_id text,
        room_id text,
        ip text,
        request_id text,
        details jsonb NOT NULL DEFAULT '{}'::jsonb
      )`);
    await queryRunner.query(`CREATE INDEX audit_log_at_idx ON audit_log (at)`);
    await queryRunner.query(`CREATE INDEX audit_log_action_idx ON audit_log (action, id DESC)`);
    await queryRunner.query(`CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, id DESC)`);
    await queryRunner.query(`CREATE INDEX audit_log_room_idx ON audit_log (room_id, id DESC)`);
    await queryRunner.query(`
      CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('chat.audit_pruning', true) = 'on' THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit_log is append-only';
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`);

    await queryRunner.query(`
      CREATE TABLE role_token_quotas (
        role text PRIMARY KEY,
        daily_tokens bigint CHECK (daily_tokens >= 0),
        monthly_tokens bigint CHECK (monthly_tokens >= 0),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE user_token_quotas (
        user_id uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        daily_tokens bigint CHECK (daily_tokens >= 0),
        monthly_tokens bigint CHECK (monthly_tokens >= 0),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // A quota check sums one asker's replies since the start of the month.
    await queryRunner.query(`CREATE INDEX messages_ai_requested_by_idx ON messages ((metadata->>'requestedBy'), created_at) WHERE is_ai`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX messages_ai_requested_by_idx`);
    await queryRunner.query(`DROP TABLE user_token_quotas`);
    await queryRunner.query(`DROP TABLE role_token_quotas`);
    await queryRunner.query(`DROP TABLE audit_log`);
    await queryRunner.query(`DROP FUNCTION audit_log_append_only()`);
  }
}
