import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { ChatMessage } from '@chat/contract';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { DomainEvents } from '../../src/common/domain-events.js';
import { InstanceRegistry } from '../../src/cluster/instance-registry.js';
import { ABANDONED_AFTER_MS, ABANDONED_NOTE, ReplyHousekeeping } from '../../src/llm/reply-housekeeping.js';
import { MessagesRepository } from '../../src/messages/messages.repository.js';
import { MigratedDatabase, openMigratedDatabase } from '../support/migrated-database.js';

describe(ReplyHousekeeping.name, () => {
  let db: MigratedDatabase;
  let repository: MessagesRepository;
  let events: DomainEvents;
  let housekeeping: ReplyHousekeeping;
  let ended: ChatMessage[];

  beforeAll(async () => {
    db = await openMigratedDatabase();
    await db.addRoom('room');
    repository = new MessagesRepository(db.dataSource);
    events = new DomainEvents();
    events.on('ai.ended').subscribe(({ message }) => ended.push(message));
  });
  beforeEach(() => {
    ended = [];
    housekeeping = new ReplyHousekeeping(repository, events, new InstanceRegistry(null), null);
  });
  afterEach(() => housekeeping.onModuleDestroy());
  afterAll(async () => {
    await db.close();
  });

  /** A streaming reply whose last sign of life was `ageMs` ago. */
  async function reply(content: string, ageMs: number): Promise<string> {
    const id = randomUUID();
    const runner = db.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await repository.insertNumbered(runner, 'room', [
        { id, userId: null, content, isAi: true, clientMessageId: null, status: 'streaming', metadata: { model: 'm' }, createdAt: new Date(Date.now() - ageMs) },
      ]);
    } finally {
      await runner.release();
    }
    return id;
  }

  const status = async (id: string) => (await repository.replyOwner(id))?.status;

  it('should end abandoned replies with the note, announce each as ended, and leave recent ones streaming', async () => {
    const abandoned = await reply('Partial', ABANDONED_AFTER_MS + 60_000);
    const recent = await reply('', 1000);

    expect(await housekeeping.recoverAbandonedReplies()).toBe(1);

    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ id: abandoned, status: 'error', content: `Partial\n\n⚠️ ${ABANDONED_NOTE}`, metadata: { errorCode: 'AI_UNAVAILABLE' } });
    expect(await status(recent)).toBe('streaming');
  });

  it("should keep this instance's replies alive past the cut-off, and stop once they are finished", async () => {
    const mine = await reply('Mine', ABANDONED_AFTER_MS + 60_000);
    housekeeping.started(mine);

    await housekeeping.keepRepliesAlive();
    expect(await status(mine)).toBe('streaming');
    expect(ended).toEqual([]);

    housekeeping.finished(mine);
    await db.dataSource.query(`UPDATE messages SET updated_at = now() - interval '10 minutes' WHERE id = $1`, [mine]);
    await housekeeping.keepRepliesAlive();
    expect(await status(mine)).toBe('error');
  });

  it('should sweep when the application starts', async () => {
    const abandoned = await reply('Left over', ABANDONED_AFTER_MS + 60_000);
    await housekeeping.onApplicationBootstrap();
    expect(ended.map((m) => m.id)).toEqual([abandoned]);
  });

  it('should survive a database failure during housekeeping', async () => {
    // A real repository over a connection that was closed.
    const closed = new DataSource(dataSourceOptions(db.dataSource.options.type === 'postgres' ? String(db.dataSource.options.url) : ''));
    const broken = new ReplyHousekeeping(new MessagesRepository(closed), events, new InstanceRegistry(null), null);
    broken.started(randomUUID());
    await expect(broken.keepRepliesAlive()).resolves.toBeUndefined();
  });
});
