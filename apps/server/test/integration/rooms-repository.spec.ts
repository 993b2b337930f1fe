import { Repository } from 'typeorm';
import type { AuthUser } from '../../src/auth/auth.types.js';
import { KnowledgeDocumentEntity } from '../../src/knowledge/knowledge.entity.js';
import { RoomEntity } from '../../src/rooms/room.entity.js';
import { canEnter, RoomsRepository } from '../../src/rooms/rooms.repository.js';
import { MigratedDatabase, openMigratedDatabase } from '../support/migrated-database.js';

describe(RoomsRepository.name, () => {
  let db: MigratedDatabase;
  let repository: RoomsRepository;
  let rooms: Repository<RoomEntity>;
  let member: AuthUser;
  let outsider: AuthUser;
  let admin: AuthUser;

  const asAuthUser = (u: { id: string; username: string; role: AuthUser['role'] }): AuthUser => ({ ...u, displayName: u.username });

  beforeAll(async () => {
    db = await openMigratedDatabase();
    rooms = db.dataSource.getRepository(RoomEntity);
    repository = new RoomsRepository(rooms, db.dataSource);
    member = asAuthUser(await db.addUser());
    outsider = asAuthUser(await db.addUser());
    admin = asAuthUser(await db.addUser('admin'));
    await db.addRoom('open', 'public');
    await db.addRoom('secret', 'private');
    await db.addRoom('other-secret', 'private');
    await db.dataSource.query(`INSERT INTO room_members (room_id, user_id, role) VALUES ('secret', $1, 'member')`, [member.id]);
  });
  afterAll(async () => {
    await db.close();
  });

  async function visibleRoomIds(user: AuthUser): Promise<string[]> {
    const visible = repository.visibleTo(user, 'r');
    const found = await rooms.createQueryBuilder('r').where(visible.condition, visible.parameters).orderBy('r.id').getMany();
    return found.map((room) => room.id);
  }

  it('should show public rooms to everyone, private ones to their members, and all to admins', async () => {
    expect(await visibleRoomIds(member)).toEqual(['open', 'secret']);
    expect(await visibleRoomIds(outsider)).toEqual(['open']);
    expect(await visibleRoomIds(admin)).toEqual(['open', 'other-secret', 'secret']);
  });

  it('should apply the same rule to things that belong to rooms, keeping those of no room visible', async () => {
    const documents = db.dataSource.getRepository(KnowledgeDocumentEntity);
    const base = { contentType: 'text/plain' as const, sizeBytes: 1, language: 'english', uploadedBy: null, chunkCount: 0, filename: null };
    await documents.insert([
      { ...base, roomId: null, title: 'global', checksum: 'a' },
      { ...base, roomId: 'open', title: 'open', checksum: 'b' },
      { ...base, roomId: 'secret', title: 'secret', checksum: 'c' },
    ]);
    const titles = async (user: AuthUser) => {
      const visible = repository.roomIdVisibleTo(user, 'd.room_id');
      return (await documents.createQueryBuilder('d').where(visible.condition, visible.parameters).orderBy('d.title').getMany()).map((d) => d.title);
    };
    expect(await titles(member)).toEqual(['global', 'open', 'secret']);
    expect(await titles(outsider)).toEqual(['global', 'open']);
    expect(await titles(admin)).toEqual(['global', 'open', 'secret']);
  });

  it('should agree in memory with the SQL rule', () => {
    expect(canEnter(outsider, { visibility: 'public' }, null)).toBe(true);
    expect(canEnter(outsider, { visibility: 'private' }, null)).toBe(false);
    expect(canEnter(member, { visibility: 'private' }, 'member')).toBe(true);
    expect(canEnter(admin, { visibility: 'private' }, null)).toBe(true);
  });

  it('should create a room with its owner, or neither when the id is taken', async () => {
    const room = { id: 'made', name: 'Made', description: null, visibility: 'private' as const, createdBy: member.id, aiEnabled: false, systemPrompt: 'Be brief' };
    await repository.createWithOwner(room);
    await expect(repository.createWithOwner({ ...room, createdBy: outsider.id })).rejects.toThrow();

    const owners = await db.dataSource.query<{ user_id: string; role: string }[]>(`SELECT user_id, role FROM room_members WHERE room_id = 'made'`);
    expect(owners).toEqual([{ user_id: member.id, role: 'owner' }]);
    expect(await repository.settings('made')).toEqual({ aiEnabled: false, systemPrompt: 'Be brief' });
    expect(await repository.settings('missing')).toBeNull();
  });

  it('should count rooms', async () => {
    const [{ count }] = await db.dataSource.query<{ count: string }[]>(`SELECT count(*) FROM rooms`);
    expect(await repository.count()).toBe(Number(count));
  });
});
