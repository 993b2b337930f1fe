import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Single sign-on. `user_identities` links an account to the issuer + subject pair an OpenID provider
 * names it by (usernames and e-mails change, the pair does not); an account may hold one link per
 * issuer. Such accounts have no local password, so `password_hash` becomes optional.
 * `sign_in_codes` hands a finished provider sign-in to the console: a one-time code (only its hash is
 * stored) in the redirect, exchanged once for a session, on whichever instance the console reaches.
 */
export class SingleSignOn1766700000000 implements MigrationInterface {
  name = 'SingleSignOn1766700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL`);
    await queryRunner.query(`
      CREATE TABLE user_identities (
        issuer text NOT NULL,
        subject text NOT NULL,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_sign_in_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (issuer, subject),
        UNIQUE (user_id, issuer)
      )`);
    await queryRunner.query(`
      CREATE TABLE sign_in_codes (
        code_hash text PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        expires_at timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE sign_in_codes`);
    await queryRunner.query(`DROP TABLE user_identities`);
    // Accounts without a password cannot be kept under the old rule: they go with their links.
    await queryRunner.query(`DELETE FROM users WHERE password_hash IS NULL`);
    await queryRunner.query(`ALTER TABLE users ALTER COLUMN password_hash SET NOT NULL`);
  }
}
