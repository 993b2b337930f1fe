import { DataSource } from 'typeorm';
import type { ChatMessage, UserAdminView } from '@chat/contract';
import { createRoom, storedMessages } from '../support/realtime-helpers.js';
import { ChatClient, collect, emitWithAck, startTestApp, TestApp } from '../support/test-app.js';

const TRIES = 6;
const JOIN_LOOPS = 4;
const FILLER = 400;

describe('Removal racing a join (audit point 2)', () => {
  let t: TestApp;
  let owner: { user: UserAdminView; token: string };
  let member: { user: UserAdminView; token: string };

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_MESSAGES_PER_MINUTE: '10000', RATE_LIMIT_TYPING_PER_MINUTE: '10000', RATE_LIMIT_REST_PER_MINUTE: '10000', RATE_LIMIT_JOINS_PER_MINUTE: '100000' });
    owner = await t.createUser('staff');
    member = await t.createUser('staff');
  });
  afterAll(async () => {
    await t.close();
  });

  it('should keep a user removed while their joins are in flight out of the room: no post, no delivery', async () => {
    for (let attempt = 0; attempt < TRIES; attempt++) {
      const room = await createRoom(t, owner.token, { name: `race ${attempt}`, visibility: 'private' });
      const invited = await t.http('PUT', `/api/rooms/${room.id}/members/${member.user.id}`, { token: owner.token, body: {} });
      expect(invited.status).toBe(200);
      // A long history makes each catch-up slow, so joins are often between their check and the add.
      await t.app.get(DataSource).query(
        `WITH c AS (UPDATE rooms SET last_seq = last_seq + $3 WHERE id = $1 RETURNING last_seq)
         INSERT INTO messages (id, room_id, seq, user_id, content) SELECT gen_random_uuid(), $1, g, $2, 'filler ' || g FROM c, generate_series(1, $3) g`,
        [room.id, owner.user.id, FILLER],
      );
      const ownerSocket = await t.connect(owner.token);
      await emitWithAck(ownerSocket, 'join_room', room.id);
      const sockets: ChatClient[] = await Promise.all(Array.from({ length: JOIN_LOOPS }, () => t.connect(member.token)));

      // Every socket keeps joining (with a catch-up) while the owner removes the member.
      let removed = false;
      const loops = sockets.map(async (socket) => {
        for (let n = 0; n < 100 && !removed; n++) await emitWithAck(socket, 'join_room', { roomId: room.id, lastSeq: 0 });
        // Joins in flight at the moment of the removal, and right after it.
        await Promise.all([1, 2, 3].map(() => emitWithAck(socket, 'join_room', { roomId: room.id, lastSeq: 0 })));
      });
      await new Promise((r) => setTimeout(r, 20 + attempt * 15));
      const deleted = await t.http('DELETE', `/api/rooms/${room.id}/members/${member.user.id}`, { token: owner.token });
      removed = true;
      expect(deleted.status).toBe(204);
      await Promise.all(loops);

      const received = sockets.map((socket) => collect(socket, 'new_message'));
      const posts = await Promise.all(sockets.map((socket, i) => emitWithAck(socket, 'send_message', { roomId: room.id, content: `still here ${attempt}.${i}` })));
      const typing = await Promise.all(sockets.map((socket) => emitWithAck(socket, 'typing_start', room.id)));
      const ownerAck = await emitWithAck(ownerSocket, 'send_message', { roomId: room.id, content: `owner only ${attempt}` });
      expect(ownerAck.ok).toBe(true);
      // A message after the owner's: once it is stored, the owner's would have reached the sockets already.
      await emitWithAck(ownerSocket, 'send_message', { roomId: room.id, content: `marker ${attempt}` });
      await new Promise((r) => setTimeout(r, 100));

      for (const post of posts) expect(post).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      for (const ack of typing) expect(ack).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      const stored = await storedMessages(t, room.id, owner.token);
      expect(stored.filter((m: ChatMessage) => m.userId === member.user.id)).toEqual([]);
      for (const bag of received) expect(bag.items.map((m) => m.content)).toEqual([]);
      for (const socket of [ownerSocket, ...sockets]) socket.disconnect();
    }
  });

  it('should refuse a send of a socket still in the room when the membership is gone from the database', async () => {
    // What another instance sees before the removal's event reaches it: the row is gone, the socket is in.
    const room = await createRoom(t, owner.token, { name: 'row gone', visibility: 'private' });
    await t.http('PUT', `/api/rooms/${room.id}/members/${member.user.id}`, { token: owner.token, body: {} });
    const socket = await t.connect(member.token);
    expect(await emitWithAck(socket, 'join_room', room.id)).toMatchObject({ ok: true });
    await t.app.get(DataSource).query('DELETE FROM room_members WHERE room_id = $1 AND user_id = $2', [room.id, member.user.id]);

    expect(await emitWithAck(socket, 'send_message', { roomId: room.id, content: 'sneaky' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await emitWithAck(socket, 'typing_start', room.id)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect((await storedMessages(t, room.id, owner.token)).map((m) => m.content)).not.toContain('sneaky');
  });
});
