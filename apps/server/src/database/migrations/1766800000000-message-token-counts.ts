import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each message's token count, stored once: the assistant budgets up to 200 history messages per
 * question, and tokenising all of them again for every question was most of a prompt's CPU. Null
 * until first needed (filled lazily by the assistant, so sending a message costs nothing more); a
 * change to a message's content must set it back to null.
 */
export class MessageTokenCounts1766800000000 implements MigrationInterface {
  name = 'MessageTokenCounts1766800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE messages ADD COLUMN token_count integer NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE messages DROP COLUMN token_count`);
  }
}
