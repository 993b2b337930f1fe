import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `token_version` is in every token and compared at each check: bumping it (logout, password change,
 * reset) revokes every token of the account on every instance at once. `must_change_password` is
 * set on a generated or reset password until its owner picks one.
 */
export class Credentials1766200000000 implements MigrationInterface {
  name = 'Credentials1766200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE users ADD COLUMN token_version integer NOT NULL DEFAULT 0`);
    await queryRunner.query(`ALTER TABLE users ADD COLUMN must_change_password boolean NOT NULL DEFAULT false`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE users DROP COLUMN must_change_password`);
    await queryRunner.query(`ALTER TABLE users DROP COLUMN token_version`);
  }
}
