import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { mentionedUsernames } from '@chat/contract';

/** Most distinct @names one message resolves; more are ignored (a message is not a mailing list). */
const MENTIONS_MAX = 50;

/** `@username` in a text → the ids of those users who are members of the room (enabled accounts only). */
@Injectable()
export class MentionResolver {
  constructor(private readonly dataSource: DataSource) {}

  async resolve(roomId: string, content: string): Promise<string[]> {
    const names = mentionedUsernames(content).slice(0, MENTIONS_MAX);
    if (names.length === 0) return [];
    // lower(username) is what the unique index on users is built on.
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT u.id FROM users u JOIN room_members rm ON rm.user_id = u.id AND rm.room_id = $1
       WHERE lower(u.username) = ANY($2::text[]) AND NOT u.disabled ORDER BY u.id`,
      [roomId, names],
    );
    return rows.map((row) => row.id);
  }
}
