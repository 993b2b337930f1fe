import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Full-text search over messages. The text search configuration is KNOWLEDGE_LANGUAGE, known only
 * at run time, so it lives in a one-row table the trigger reads (the server sets it at start and
 * reindexes when it changed) instead of being baked into an index expression. Tombstones get no
 * vector, so a deleted message can never match.
 */
export class MessageSearch1766500001000 implements MigrationInterface {
  name = 'MessageSearch1766500001000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE message_search_config (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        language regconfig NOT NULL
      )`);
    await queryRunner.query(`INSERT INTO message_search_config (language) VALUES ('english')`);
    await queryRunner.query(`ALTER TABLE messages ADD COLUMN search_vector tsvector NULL`);
    await queryRunner.query(`UPDATE messages SET search_vector = to_tsvector('english'::regconfig, content) WHERE deleted_at IS NULL AND content <> ''`);
    await queryRunner.query(`
      CREATE FUNCTION messages_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.deleted_at IS NOT NULL OR NEW.content = '' THEN
          NEW.search_vector := NULL;
        ELSE
          NEW.search_vector := to_tsvector((SELECT language FROM message_search_config), NEW.content);
        END IF;
        RETURN NEW;
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER messages_search_vector BEFORE INSERT OR UPDATE OF content, deleted_at ON messages
      FOR EACH ROW EXECUTE FUNCTION messages_search_vector()`);
    await queryRunner.query(`CREATE INDEX messages_search_idx ON messages USING gin (search_vector)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX messages_search_idx`);
    await queryRunner.query(`DROP TRIGGER messages_search_vector ON messages`);
    await queryRunner.query(`DROP FUNCTION messages_search_vector()`);
    await queryRunner.query(`ALTER TABLE messages DROP COLUMN search_vector`);
    await queryRunner.query(`DROP TABLE message_search_config`);
  }
}
