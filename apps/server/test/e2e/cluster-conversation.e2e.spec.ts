import type { MessageUpdatedPayload, ReadUpdatedPayload } from '@chat/contract';
import { changed, joinedSockets, sent } from '../support/conversation-helpers.js';
import { startTwoInstances, TestCluster } from '../support/cluster-helpers.js';
import { createRoom, flush } from '../support/realtime-helpers.js';
import { collect, emitWithAck, nextEvent } from '../support/test-app.js';

describe('two instances: message_updated, read_updated and mentioned', () => {
  let cluster: TestCluster;
  let alice: { token: string; id: string; username: string };
  let bob: { token: string; id: string; username: string };

  beforeAll(async () => {
    cluster = await startTwoInstances('cluster-conversation', { RATE_LIMIT_MESSAGES_PER_MINUTE: '1000', RATE_LIMIT_CHANGES_PER_MINUTE: '1000' });
    const suffix = Math.random().toString(36).slice(2, 6);
    const made = [await cluster.a.createUser('staff', `alice_${suffix}`), await cluster.a.createUser('staff', `bob_${suffix}`)];
    [alice, bob] = made.map(({ user, token }) => ({ token, id: user.id, username: user.username }));
  });
  afterAll(async () => {
    await cluster.close();
  });

  it('should deliver edits, deletes, reactions and thread counts made on one instance to sockets on the other, each with the next changeSeq', async () => {
    const roomId = (await createRoom(cluster.a, alice.token, { name: 'Cluster changes', visibility: 'public' })).id;
    const [a] = await joinedSockets(cluster.a, roomId, alice.token);
    const [b] = await joinedSockets(cluster.b, roomId, bob.token);
    const onB = collect(b, 'message_updated');
    const onA = collect(a, 'message_updated');

    const message = await sent(a, roomId, 'edited across instances');
    const updates: MessageUpdatedPayload[] = [];
    updates.push(await changed(a, 'edit_message', { messageId: message.id, content: 'edited on A' }));
    updates.push(await changed(b, 'add_reaction', { messageId: message.id, emoji: '👍' }));
    const rest = await cluster.b.http<MessageUpdatedPayload>('PATCH', `/api/rooms/${roomId}/messages/${message.id}`, { token: alice.token, body: { content: 'edited on B' } });
    updates.push(rest.body);
    await sent(b, roomId, 'a reply from B', { threadId: message.id });
    await flush(a, roomId, [a, b]);
    await flush(b, roomId, [a, b]);

    const seqs = updates.map((u) => u.changeSeq);
    expect(seqs).toEqual([seqs[0], seqs[0] + 1, seqs[0] + 2]);
    for (const log of [onA, onB]) {
      expect(log.items.map((u) => u.changeSeq)).toEqual([...seqs, seqs[0] + 3]);
      expect(log.items[3].message).toMatchObject({ id: message.id, content: 'edited on B', replyCount: 1, reactions: [{ emoji: '👍', count: 1 }] });
    }
    const deleted = nextEvent(b, 'message_updated', (u) => u.message.deletedAt !== null);
    await changed(a, 'delete_message', { messageId: message.id });
    expect((await deleted).message).toMatchObject({ id: message.id, content: '', reactions: [] });
    a.disconnect();
    b.disconnect();
  });

  it("should send read_updated to the reader's sockets on the other instance, and mentioned to a member who has not joined the stream", async () => {
    const roomId = (await createRoom(cluster.a, alice.token, { name: 'Cluster reads', visibility: 'public' })).id;
    const [a] = await joinedSockets(cluster.a, roomId, alice.token);
    const [bOnA] = await joinedSockets(cluster.a, roomId, bob.token);
    const bOnB = await cluster.b.connect(bob.token);
    const mentioned = nextEvent(bOnB, 'mentioned');
    const message = await sent(a, roomId, `hello @${bob.username}`);
    expect(message.mentions).toEqual([bob.id]);
    expect(await mentioned).toEqual({ message });

    const read = nextEvent(bOnB, 'read_updated');
    const notOrigin = collect(bOnA, 'read_updated');
    const ack = await emitWithAck(bOnA, 'mark_read', { roomId, seq: message.seq });
    const expected: ReadUpdatedPayload = { roomId, lastReadSeq: message.seq, unreadCount: 0, mentionCount: 0 };
    expect(ack).toEqual({ ok: true, ...expected });
    expect(await read).toEqual(expected);
    await flush(a, roomId, [a, bOnA]);
    expect(notOrigin.items).toEqual([]);
    for (const s of [a, bOnA, bOnB]) s.disconnect();
  });
});
