import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The sweeper looks for abandoned streaming replies every few seconds; this keeps that cheap on a big table. */
export class StreamingRepliesIndex1765000000000 implements MigrationInterface {
  name = 'StreamingRepliesIndex1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX messages_streaming_idx ON messages (coalesce(updated_at, created_at)) WHERE status = 'streaming'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX messages_streaming_idx`);
  }
}
