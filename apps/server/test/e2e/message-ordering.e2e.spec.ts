import type { ChatMessage, UserAdminView } from '@chat/contract';
import { createRoom, emitRaw, storedMessages } from '../support/realtime-helpers.js';
import { ChatClient, collect, emitWithAck, eventually, startTestApp, TestApp } from '../support/test-app.js';

type Member = { user: UserAdminView; token: string };

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Sender index and per-sender counter, as written into each burst message. */
const parse = (content: string) => {
  const match = /^s(\d+)-(\d+)$/.exec(content);
  if (!match) throw new Error(`unexpected message ${content}`);
  return { sender: Number(match[1]), n: Number(match[2]) };
};

describe('Message ordering under a burst', () => {
  let t: TestApp;
  let senders: Member[];
  let reader: Member;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_MESSAGES_PER_MINUTE: '100000' });
    senders = await Promise.all([1, 2, 3, 4].map(() => t.createUser()));
    reader = await t.createUser();
  });
  afterAll(async () => {
    await t.close();
  });

  it('should deliver a 200-message burst from 4 senders exactly once, gap-free, in seq order and in each sender’s order', async () => {
    const roomId = (await createRoom(t, t.adminToken, { id: 'burst', name: 'Burst', visibility: 'public' })).id;
    const PER_SENDER = 50;
    const total = senders.length * PER_SENDER;
    const sockets = await Promise.all(senders.map((s) => t.connect(s.token)));
    const receiver = await t.connect(reader.token);
    for (const socket of [...sockets, receiver]) await emitWithAck(socket, 'join_room', roomId);

    const received = collect(receiver, 'new_message');
    const seenBySender = sockets.map((socket) => {
      const all: ChatMessage[] = [];
      socket.on('new_message', (m) => all.push(m));
      socket.on('message_sent', (m) => all.push(m));
      return all;
    });
    const acks: Promise<{ ok: boolean }>[] = [];
    // Interleave the senders and never wait between emits.
    for (let n = 0; n < PER_SENDER; n++) {
      sockets.forEach((socket, s) => acks.push(emitWithAck(socket, 'send_message', { roomId, content: `s${s}-${n}` }, 15_000)));
    }
    expect((await Promise.all(acks)).every((ack) => ack.ok)).toBe(true);
    await eventually(() => received.items.length >= total && seenBySender.every((all) => all.length >= total), 15_000);

    // The receiver: every seq once, 1..200, in order.
    expect(received.items.map((m) => m.seq)).toEqual(range(1, total));
    expect(new Set(received.items.map((m) => m.id)).size).toBe(total);
    // Per sender, seq order is send order.
    for (let s = 0; s < senders.length; s++) {
      const own = received.items.filter((m) => m.userId === senders[s].user.id).map((m) => parse(m.content));
      expect(own).toEqual(range(0, PER_SENDER - 1).map((n) => ({ sender: s, n })));
    }
    // Every sender sees the same stream too, its own messages included (as message_sent).
    for (const all of seenBySender) expect(all.map((m) => m.seq)).toEqual(range(1, total));

    const stored = await storedMessages(t, roomId);
    expect(stored.map((m) => m.seq)).toEqual(range(1, total));
    expect(stored.map((m) => m.id)).toEqual(received.items.map((m) => m.id));
    for (const socket of [...sockets, receiver]) socket.disconnect();
  });

  it('should keep one sender’s order across two of its sockets’ interleaved seed-style emits (no acks)', async () => {
    const roomId = (await createRoom(t, t.adminToken, { id: 'burst-seed', name: 'Burst seed', visibility: 'public' })).id;
    const tabs = [await t.connect(senders[0].token), await t.connect(senders[0].token)];
    const receiver = await t.connect(reader.token);
    for (const socket of [...tabs, receiver]) await emitWithAck(socket, 'join_room', roomId);
    const received = collect(receiver, 'new_message');
    const sentPerTab = tabs.map((tab) => collect(tab, 'message_sent'));
    for (let n = 0; n < 60; n++) tabs.forEach((tab, s) => emitRaw(tab, 'send_message', { content: `s${s}-${n}`, roomId, useAi: false }));
    await eventually(() => received.items.length >= 120, 15_000);

    expect(received.items.map((m) => m.seq)).toEqual(range(1, 120));
    for (let s = 0; s < tabs.length; s++) {
      const fromTab = received.items.map((m) => parse(m.content)).filter((p) => p.sender === s);
      expect(fromTab).toEqual(range(0, 59).map((n) => ({ sender: s, n })));
      // Each tab gets message_sent for its own messages only, in order.
      await eventually(() => sentPerTab[s].items.length >= 60);
      expect(sentPerTab[s].items.map((m) => parse(m.content))).toEqual(fromTab);
    }
    for (const socket of [...tabs, receiver]) socket.disconnect();
  });

  it('should keep the send order of a socket that sends to a room it has not joined', async () => {
    const roomId = (await createRoom(t, t.adminToken, { id: 'not-joined', name: 'Not joined', visibility: 'public' })).id;
    const outsider = await t.connect(senders[2].token);
    const receiver = await t.connect(reader.token);
    await emitWithAck(receiver, 'join_room', roomId);
    const received = collect(receiver, 'new_message');
    const acks = await Promise.all(range(0, 49).map((n) => emitWithAck(outsider, 'send_message', { roomId, content: `s2-${n}` })));
    expect(acks.every((ack) => ack.ok)).toBe(true);
    // Once joined (in between), the fast path must not overtake sends still queued.
    emitRaw(outsider, 'send_message', { roomId, content: 's2-50' });
    await emitWithAck(outsider, 'join_room', roomId);
    emitRaw(outsider, 'send_message', { roomId, content: 's2-51' });
    await eventually(() => received.items.length >= 52);
    expect(received.items.map((m) => parse(m.content))).toEqual(range(0, 51).map((n) => ({ sender: 2, n })));
    expect(received.items.map((m) => m.seq)).toEqual(range(1, 52));
    outsider.disconnect();
    receiver.disconnect();
  });

  it('should give senders that never joined the room a message_sent for each message while others join it', async () => {
    // The first joiner creates the room's delivery stream while these messages are being stored.
    const outsiders: ChatClient[] = await Promise.all(range(1, 4).map(() => t.connect(senders[1].token)));
    for (let round = 0; round < 12; round++) {
      const roomId = (await createRoom(t, t.adminToken, { id: `outside-${round}`, name: `Outside ${round}`, visibility: 'public' })).id;
      const joiner = await t.connect(reader.token);
      const sent = outsiders.map((socket) => collect(socket, 'message_sent'));
      const acks = outsiders.map((socket, s) => Promise.all(range(1, 5).map((n) => emitWithAck(socket, 'send_message', { roomId, content: `s${s}-${n}` }))));
      const joined = emitWithAck(joiner, 'join_room', roomId);
      const answers = await Promise.all(acks);
      await joined;
      // The room's stream is ready now; one more message per socket arrives after every earlier emit to it.
      for (const socket of outsiders) await emitWithAck(socket, 'send_message', { roomId, content: 'marker' });
      outsiders.forEach((socket, s) => {
        const own = answers[s].map((ack) => (ack as unknown as { message: ChatMessage }).message.id);
        expect(sent[s].items.map((m) => m.id).slice(0, 5)).toEqual(own);
        expect(sent[s].items).toHaveLength(6);
        socket.off('message_sent');
      });
      joiner.disconnect();
    }
    for (const socket of outsiders) socket.disconnect();
  });
});
