import { ROOM_ID_PATTERN } from '@chat/contract';
import type { HttpErrorBody, RoomMemberView, RoomView, UserAdminView } from '@chat/contract';
import { emitWithAck, eventually, startTestApp, TestApp } from '../support/test-app.js';
import { ISO_8601 as ISO } from '../support/patterns.js';


interface Caller {
  user: UserAdminView;
  token: string;
}

describe('RoomsController', () => {
  let t: TestApp;
  let owner: Caller;
  let member: Caller;
  let outsider: Caller;

  beforeAll(async () => {
    t = await startTestApp();
    [owner, member, outsider] = await Promise.all([t.createUser('staff'), t.createUser('staff'), t.createUser('staff')]);
  });
  afterAll(async () => {
    await t.close();
  });

  let roomCounter = 0;
  /** A room created by `creator`, with `members` added by the owner. */
  async function room(visibility: 'public' | 'private', creator: Caller = owner, members: Caller[] = []): Promise<RoomView> {
    const id = `room-${visibility}-${++roomCounter}`;
    const created = await t.http<RoomView>('POST', '/api/rooms', { token: creator.token, body: { id, name: `Room ${roomCounter}`, visibility } });
    if (created.status !== 201) throw new Error(`create room: ${created.status} ${JSON.stringify(created.body)}`);
    for (const m of members) {
      const put = await t.http('PUT', `/api/rooms/${id}/members/${m.user.id}`, { token: creator.token, body: {} });
      if (put.status !== 200) throw new Error(`add member: ${put.status}`);
    }
    return created.body;
  }

  describe('start-up', () => {
    it('should have created the public "general" room on first start', async () => {
      const response = await t.http<RoomView>('GET', '/api/rooms/general', { token: outsider.token });
      expect(response).toEqual({
        status: 200,
        body: {
          id: 'general',
          name: 'General',
          description: 'Everyone',
          visibility: 'public',
          createdBy: null,
          aiEnabled: true,
          systemPrompt: null,
          createdAt: expect.stringMatching(ISO),
          updatedAt: expect.stringMatching(ISO),
          myRole: null,
          lastSeq: 0,
          lastChangeSeq: 0,
          lastReadSeq: 0,
          unreadCount: 0,
          mentionCount: 0,
        },
      });
    });
  });

  describe('GET /api/rooms', () => {
    it('should list public rooms and my private rooms, with my role in each', async () => {
      const publicRoom = await room('public');
      const mine = await room('private', owner, [member]);
      const notMine = await room('private', outsider);

      const ids = async (token: string) =>
        new Map((await t.http<RoomView[]>('GET', '/api/rooms', { token })).body.map((r) => [r.id, r.myRole] as const));

      const forMember = await ids(member.token);
      expect(forMember.get('general')).toBeNull();
      expect(forMember.get(publicRoom.id)).toBeNull();
      expect(forMember.get(mine.id)).toBe('member');
      expect(forMember.has(notMine.id)).toBe(false);

      const forOwner = await ids(owner.token);
      expect(forOwner.get(mine.id)).toBe('owner');
      expect(forOwner.get(publicRoom.id)).toBe('owner');
      expect(forOwner.has(notMine.id)).toBe(false);
    });

    it('should list every room, private ones included, for an admin', async () => {
      const hidden = await room('private', outsider);
      const response = await t.http<RoomView[]>('GET', '/api/rooms', { token: t.adminToken });
      expect(response.status).toBe(200);
      expect(response.body.find((r) => r.id === hidden.id)).toMatchObject({ id: hidden.id, visibility: 'private', myRole: null });
    });
  });

  describe('POST /api/rooms', () => {
    it('should create a room with the given id, making the creator its owner', async () => {
      const response = await t.http<RoomView>('POST', '/api/rooms', {
        token: owner.token,
        body: { id: 'support_2-x', name: '  Support  ', description: ' Help desk ', visibility: 'private', aiEnabled: false, systemPrompt: 'Be nice' },
      });
      expect(response).toEqual({
        status: 201,
        body: {
          id: 'support_2-x',
          name: 'Support',
          description: 'Help desk',
          visibility: 'private',
          createdBy: owner.user.id,
          aiEnabled: false,
          systemPrompt: 'Be nice',
          createdAt: expect.stringMatching(ISO),
          updatedAt: expect.stringMatching(ISO),
          myRole: 'owner',
          lastSeq: 0,
          lastChangeSeq: 0,
          lastReadSeq: 0,
          unreadCount: 0,
          mentionCount: 0,
        },
      });
      const members = await t.http<RoomMemberView[]>('GET', '/api/rooms/support_2-x/members', { token: owner.token });
      expect(members.body).toEqual([expect.objectContaining({ userId: owner.user.id, role: 'owner' })]);
    });

    it('should generate a URL-safe id from the name when none is given', async () => {
      const accented = await t.http<RoomView>('POST', '/api/rooms', { token: owner.token, body: { name: 'Café & Ventes / Été!', visibility: 'public' } });
      expect(accented.status).toBe(201);
      expect(accented.body.id).toMatch(/^cafe-ventes-ete-[0-9a-f]{6}$/);
      expect(accented.body.id).toMatch(ROOM_ID_PATTERN);

      const symbols = await t.http<RoomView>('POST', '/api/rooms', { token: owner.token, body: { name: '日本語 ★', visibility: 'public' } });
      expect(symbols.status).toBe(201);
      expect(symbols.body.id).toMatch(/^room-[0-9a-f]{6}$/);

      const long = await t.http<RoomView>('POST', '/api/rooms', { token: owner.token, body: { name: 'x'.repeat(128), visibility: 'public' } });
      expect(long.status).toBe(201);
      expect(long.body.id).toMatch(ROOM_ID_PATTERN);

      const same = await t.http<RoomView>('POST', '/api/rooms', { token: owner.token, body: { name: 'Café & Ventes / Été!', visibility: 'public' } });
      expect(same.status).toBe(201);
      expect(same.body.id).not.toBe(accented.body.id);
    });

    it.each(['Upper', '-lead', 'has space', 'x'.repeat(65), ''])('should answer 400 VALIDATION_FAILED for the id %j', async (id) => {
      const response = await t.http<HttpErrorBody>('POST', '/api/rooms', { token: owner.token, body: { id, name: 'Bad', visibility: 'public' } });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect(response.body.details).toEqual([expect.stringMatching(/^id must be lowercase letters/)]);
    });

    it('should answer 400 for a bad visibility, a missing name or an unknown field', async () => {
      const response = await t.http<HttpErrorBody>('POST', '/api/rooms', { token: owner.token, body: { visibility: 'secret', lastSeq: 9 } });
      expect(response.status).toBe(400);
      expect(response.body.details!.sort()).toEqual([
        'name must be a string',
        'name must be longer than or equal to 1 characters',
        'name must be shorter than or equal to 128 characters',
        'name must not be blank',
        'property lastSeq should not exist',
        'visibility must be one of the following values: public, private',
      ]);
    });

    it('should answer 400 for a name that is only whitespace, on create and on update', async () => {
      const created = await t.http<HttpErrorBody>('POST', '/api/rooms', { token: owner.token, body: { name: '   ', visibility: 'public' } });
      expect(created.status).toBe(400);
      expect(created.body.details).toEqual(['name must not be blank']);
      const updated = await t.http<HttpErrorBody>('PATCH', '/api/rooms/general', { token: t.adminToken, body: { name: ' \t ' } });
      expect(updated.status).toBe(400);
      expect(updated.body.details).toEqual(['name must not be blank']);
      expect((await t.http<RoomView>('GET', '/api/rooms/general', { token: owner.token })).body.name).toBe('General');
    });

    it('should answer 409 CONFLICT for an id that exists', async () => {
      const response = await t.http<HttpErrorBody>('POST', '/api/rooms', { token: member.token, body: { id: 'general', name: 'Mine now', visibility: 'public' } });
      expect(response).toEqual({ status: 409, body: { statusCode: 409, code: 'CONFLICT', message: 'Room "general" already exists' } });
      const general = await t.http<RoomView>('GET', '/api/rooms/general', { token: member.token });
      expect(general.body).toMatchObject({ name: 'General', createdBy: null, myRole: null });
    });

    it('should not let an outsider take over a private room by creating one with its id', async () => {
      const secret = await room('private', owner);
      const response = await t.http<HttpErrorBody>('POST', '/api/rooms', { token: outsider.token, body: { id: secret.id, name: 'Mine', visibility: 'public' } });
      expect(response.status).toBe(409);
      expect((await t.http('GET', `/api/rooms/${secret.id}`, { token: outsider.token })).status).toBe(403);
      const members = await t.http<RoomMemberView[]>('GET', `/api/rooms/${secret.id}/members`, { token: owner.token });
      expect(members.body.map((m) => [m.userId, m.role])).toEqual([[owner.user.id, 'owner']]);
    });
  });

  describe('GET /api/rooms/:roomId', () => {
    it('should answer 404 ROOM_NOT_FOUND for an unknown room', async () => {
      const response = await t.http<HttpErrorBody>('GET', '/api/rooms/no-such-room', { token: owner.token });
      expect(response).toEqual({ status: 404, body: { statusCode: 404, code: 'ROOM_NOT_FOUND', message: 'Room "no-such-room" does not exist' } });
    });

    it('should answer 403 FORBIDDEN for a private room the caller is not in, and show it to members and admins', async () => {
      const secret = await room('private', owner, [member]);
      const response = await t.http<HttpErrorBody>('GET', `/api/rooms/${secret.id}`, { token: outsider.token });
      expect(response).toEqual({ status: 403, body: { statusCode: 403, code: 'FORBIDDEN', message: `Room "${secret.id}" is private` } });
      expect((await t.http<RoomView>('GET', `/api/rooms/${secret.id}`, { token: member.token })).body.myRole).toBe('member');
      expect((await t.http<RoomView>('GET', `/api/rooms/${secret.id}`, { token: t.adminToken })).body.myRole).toBeNull();
    });

    it('should report lastSeq as the newest message seq', async () => {
      const chatty = await room('public');
      for (const content of ['one', 'two', 'three']) {
        expect((await t.http('POST', `/api/rooms/${chatty.id}/messages`, { token: owner.token, body: { content } })).status).toBe(201);
      }
      const response = await t.http<RoomView>('GET', `/api/rooms/${chatty.id}`, { token: outsider.token });
      expect(response.body.lastSeq).toBe(3);
      const listed = await t.http<RoomView[]>('GET', '/api/rooms', { token: outsider.token });
      expect(listed.body.find((r) => r.id === chatty.id)?.lastSeq).toBe(3);
    });
  });

  describe('PATCH /api/rooms/:roomId', () => {
    it('should let the owner change the room', async () => {
      const target = await room('public', owner, [member]);
      const response = await t.http<RoomView>('PATCH', `/api/rooms/${target.id}`, {
        token: owner.token,
        body: { name: ' Renamed ', description: null, visibility: 'private', aiEnabled: false, systemPrompt: 'Short answers' },
      });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        ...target,
        name: 'Renamed',
        description: null,
        visibility: 'private',
        aiEnabled: false,
        systemPrompt: 'Short answers',
        updatedAt: expect.stringMatching(ISO),
      });
      // Now private: the outsider loses access.
      expect((await t.http('GET', `/api/rooms/${target.id}`, { token: outsider.token })).status).toBe(403);
    });

    it('should let an admin change any room, keeping fields that were not sent', async () => {
      const target = await room('private', outsider);
      const response = await t.http<RoomView>('PATCH', `/api/rooms/${target.id}`, { token: t.adminToken, body: { description: 'By the admin' } });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ name: target.name, visibility: 'private', description: 'By the admin', myRole: null });
    });

    it('should answer 403 FORBIDDEN to a member and to a visitor of a public room', async () => {
      const target = await room('public', owner, [member]);
      for (const caller of [member, outsider]) {
        const response = await t.http<HttpErrorBody>('PATCH', `/api/rooms/${target.id}`, { token: caller.token, body: { name: 'Hijacked' } });
        expect(response).toEqual({
          status: 403,
          body: { statusCode: 403, code: 'FORBIDDEN', message: 'Only the room owner or an admin can do that' },
        });
      }
      expect((await t.http<RoomView>('GET', `/api/rooms/${target.id}`, { token: owner.token })).body.name).toBe(target.name);
    });

    it('should answer 400 for an unknown field and 404 for an unknown room', async () => {
      const target = await room('public');
      const unknown = await t.http<HttpErrorBody>('PATCH', `/api/rooms/${target.id}`, { token: owner.token, body: { id: 'renamed' } });
      expect(unknown.status).toBe(400);
      expect(unknown.body.details).toEqual(['property id should not exist']);
      const missing = await t.http<HttpErrorBody>('PATCH', '/api/rooms/no-such-room', { token: t.adminToken, body: { name: 'x' } });
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe('ROOM_NOT_FOUND');
    });
  });

  describe('room members', () => {
    it('should list members with their role and whether they are online in the room', async () => {
      const target = await room('private', owner, [member]);
      const socket = await t.connect(member.token);
      const joined = await emitWithAck(socket, 'join_room', { roomId: target.id });
      expect(joined.ok).toBe(true);

      const response = await t.http<RoomMemberView[]>('GET', `/api/rooms/${target.id}/members`, { token: owner.token });
      expect(response.status).toBe(200);
      const byUser = new Map(response.body.map((m) => [m.userId, m]));
      expect(response.body).toHaveLength(2);
      expect(byUser.get(owner.user.id)).toEqual({
        userId: owner.user.id,
        username: owner.user.username,
        displayName: owner.user.displayName,
        role: 'owner',
        joinedAt: expect.stringMatching(ISO),
        online: false,
      });
      expect(byUser.get(member.user.id)).toMatchObject({ role: 'member', online: true });

      socket.disconnect();
      await eventually(async () => {
        const after = await t.http<RoomMemberView[]>('GET', `/api/rooms/${target.id}/members`, { token: owner.token });
        return after.body.every((m) => !m.online);
      });
    });

    it('should answer 403 on the member list of a private room to an outsider', async () => {
      const target = await room('private');
      const response = await t.http<HttpErrorBody>('GET', `/api/rooms/${target.id}/members`, { token: outsider.token });
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('FORBIDDEN');
    });

    it('should let the owner add a member and change their role', async () => {
      const target = await room('private');
      const added = await t.http<RoomMemberView>('PUT', `/api/rooms/${target.id}/members/${member.user.id}`, { token: owner.token, body: {} });
      expect(added).toEqual({
        status: 200,
        body: {
          userId: member.user.id,
          username: member.user.username,
          displayName: member.user.displayName,
          role: 'member',
          joinedAt: expect.stringMatching(ISO),
          online: false,
        },
      });
      expect((await t.http<RoomView>('GET', `/api/rooms/${target.id}`, { token: member.token })).body.myRole).toBe('member');

      const promoted = await t.http<RoomMemberView>('PUT', `/api/rooms/${target.id}/members/${member.user.id}`, {
        token: owner.token,
        body: { role: 'owner' },
      });
      expect(promoted.body.role).toBe('owner');
      const members = await t.http<RoomMemberView[]>('GET', `/api/rooms/${target.id}/members`, { token: owner.token });
      expect(members.body).toHaveLength(2);
      // A promoted owner may now manage the room.
      expect((await t.http('PATCH', `/api/rooms/${target.id}`, { token: member.token, body: { name: 'Co-owned' } })).status).toBe(200);
    });

    it('should let an admin add members to any room', async () => {
      const target = await room('private', outsider);
      const added = await t.http<RoomMemberView>('PUT', `/api/rooms/${target.id}/members/${member.user.id}`, { token: t.adminToken, body: {} });
      expect(added.status).toBe(200);
      expect((await t.http('GET', `/api/rooms/${target.id}`, { token: member.token })).status).toBe(200);
    });

    it('should answer 403 when a member tries to add someone', async () => {
      const target = await room('private', owner, [member]);
      const response = await t.http<HttpErrorBody>('PUT', `/api/rooms/${target.id}/members/${outsider.user.id}`, { token: member.token, body: {} });
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('FORBIDDEN');
      expect((await t.http('GET', `/api/rooms/${target.id}`, { token: outsider.token })).status).toBe(403);
    });

    it('should answer 404 for an unknown user, 400 for a non-uuid user id or a bad role', async () => {
      const target = await room('private');
      const unknown = await t.http<HttpErrorBody>('PUT', `/api/rooms/${target.id}/members/00000000-0000-4000-8000-000000000000`, {
        token: owner.token,
        body: {},
      });
      expect(unknown).toEqual({ status: 404, body: { statusCode: 404, code: 'NOT_FOUND', message: 'User not found' } });
      const badId = await t.http<HttpErrorBody>('PUT', `/api/rooms/${target.id}/members/nope`, { token: owner.token, body: {} });
      expect(badId.status).toBe(400);
      expect(badId.body.code).toBe('VALIDATION_FAILED');
      const badRole = await t.http<HttpErrorBody>('PUT', `/api/rooms/${target.id}/members/${member.user.id}`, {
        token: owner.token,
        body: { role: 'admin' },
      });
      expect(badRole.status).toBe(400);
      expect(badRole.body.details).toEqual(['role must be one of the following values: owner, member']);
    });

    it('should let the owner remove a member, who then loses access', async () => {
      const target = await room('private', owner, [member]);
      const response = await fetch(`${t.baseUrl}/api/rooms/${target.id}/members/${member.user.id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${owner.token}` },
      });
      expect(response.status).toBe(204);
      expect(await response.text()).toBe('');
      expect((await t.http('GET', `/api/rooms/${target.id}`, { token: member.token })).status).toBe(403);
    });

    it('should let an admin remove anyone', async () => {
      const target = await room('private', owner, [member]);
      expect((await t.http('DELETE', `/api/rooms/${target.id}/members/${owner.user.id}`, { token: t.adminToken })).status).toBe(204);
      const members = await t.http<RoomMemberView[]>('GET', `/api/rooms/${target.id}/members`, { token: t.adminToken });
      expect(members.body.map((m) => m.userId)).toEqual([member.user.id]);
    });

    it('should let a member leave, but not remove someone else', async () => {
      const extra = await t.createUser('staff');
      const target = await room('private', owner, [member, extra]);
      const removeOther = await t.http<HttpErrorBody>('DELETE', `/api/rooms/${target.id}/members/${extra.user.id}`, { token: member.token });
      expect(removeOther.status).toBe(403);
      expect(removeOther.body.code).toBe('FORBIDDEN');

      expect((await t.http('DELETE', `/api/rooms/${target.id}/members/${member.user.id}`, { token: member.token })).status).toBe(204);
      const members = await t.http<RoomMemberView[]>('GET', `/api/rooms/${target.id}/members`, { token: owner.token });
      expect(members.body.map((m) => m.userId).sort()).toEqual([owner.user.id, extra.user.id].sort());
    });

    it('should answer 404 when removing someone who is not a member', async () => {
      const target = await room('public');
      const response = await t.http<HttpErrorBody>('DELETE', `/api/rooms/${target.id}/members/${outsider.user.id}`, { token: owner.token });
      expect(response).toEqual({ status: 404, body: { statusCode: 404, code: 'NOT_FOUND', message: 'Not a member of this room' } });
    });
  });
});
