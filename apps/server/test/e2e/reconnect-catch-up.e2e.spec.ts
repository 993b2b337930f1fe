import type { ChatMessage, JoinedRoomPayload, UserAdminView } from '@chat/contract';
import { createRoom, emitRaw, eventLog } from '../support/realtime-helpers.js';
import { ChatClient, collect, emitWithAck, eventually, nextEvent, startTestApp, TestApp } from '../support/test-app.js';

type Member = { user: UserAdminView; token: string };

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** new_message and joined_room in arrival order, for asserting what came before the join was confirmed. */
function joinLog(socket: ChatClient) {
  const log = eventLog(socket);
  return {
    messages: () => log.items.filter(([event]) => event === 'new_message').map(([, m]) => m as ChatMessage),
    /** Seqs received before joined_room, joined_room's lastSeq, and seqs after it. */
    split: () => {
      const at = log.items.findIndex(([event]) => event === 'joined_room');
      if (at < 0) throw new Error('no joined_room');
      const seqs = (items: [string, unknown][]) => items.filter(([event]) => event === 'new_message').map(([, m]) => (m as ChatMessage).seq);
      return { before: seqs(log.items.slice(0, at)), joined: log.items[at][1] as JoinedRoomPayload, after: seqs(log.items.slice(at + 1)) };
    },
  };
}

describe('Reconnecting with lastSeq', () => {
  let t: TestApp;
  let reader: Member;
  let writer: Member;
  let roomCounter = 0;

  const newRoom = async () => (await createRoom(t, t.adminToken, { id: `catch-up-${++roomCounter}`, name: `Catch up ${roomCounter}`, visibility: 'public' })).id;

  /** Sends `count` messages without waiting between them; resolves once all are acknowledged. */
  const burst = async (socket: ChatClient, roomId: string, count: number, tag: string) => {
    const acks = await Promise.all(range(1, count).map((n) => emitWithAck(socket, 'send_message', { roomId, content: `${tag}-${n}` }, 20_000)));
    if (!acks.every((ack) => ack.ok)) throw new Error(`burst refused: ${JSON.stringify(acks.find((ack) => !ack.ok))}`);
    return acks.map((ack) => (ack as unknown as { message: ChatMessage }).message);
  };

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_MESSAGES_PER_MINUTE: '100000', JOIN_CATCH_UP_MAX: '100000' });
    reader = await t.createUser();
    writer = await t.createUser();
  });
  afterAll(async () => {
    await t.close();
  });

  it('should deliver exactly the missed messages, in order, before joined_room, then live ones (others stayed in the room)', async () => {
    const roomId = await newRoom();
    const w = await t.connect(writer.token);
    await emitWithAck(w, 'join_room', roomId);
    const first = await t.connect(reader.token);
    await emitWithAck(first, 'join_room', roomId);
    const seen = collect(first, 'new_message');
    await burst(w, roomId, 5, 'before');
    await eventually(() => seen.items.length === 5);
    const lastSeen = seen.items[seen.items.length - 1].seq;
    expect(lastSeen).toBe(5);
    first.disconnect();

    const missed = await burst(w, roomId, 7, 'missed');

    const again = await t.connect(reader.token);
    const log = joinLog(again);
    const ack = await emitWithAck(again, 'join_room', { roomId, lastSeq: lastSeen });
    expect(ack).toMatchObject({ ok: true, roomId, lastSeq: 12 });
    const { before, joined, after } = log.split();
    expect(before).toEqual(range(6, 12));
    expect(joined).toEqual({ roomId, lastSeq: 12, changeSeq: 0, online: expect.any(Array) });
    expect(after).toEqual([]);
    expect(log.messages()).toEqual(missed);

    const live = nextEvent(again, 'new_message');
    await burst(w, roomId, 1, 'live');
    expect((await live).seq).toBe(13);
    expect(log.messages().map((m) => m.seq)).toEqual(range(6, 13));
    w.disconnect();
    again.disconnect();
  });

  it('should catch up from the database after the room went idle on the server', async () => {
    const roomId = await newRoom();
    const w = await t.connect(writer.token);
    await emitWithAck(w, 'join_room', roomId);
    await burst(w, roomId, 4, 'seen');
    // The reader saw up to 4; then everyone leaves, so the server keeps nothing for the room.
    await emitWithAck(w, 'leave_room', roomId);
    await burst(w, roomId, 6, 'missed');

    const reconnecting = await t.connect(reader.token);
    const log = joinLog(reconnecting);
    await emitWithAck(reconnecting, 'join_room', { roomId, lastSeq: 4 });
    const { before, joined, after } = log.split();
    expect(before).toEqual(range(5, 10));
    expect(joined.lastSeq).toBe(10);
    expect(after).toEqual([]);
    expect(log.messages().map((m) => m.content)).toEqual(range(1, 6).map((n) => `missed-${n}`));
    w.disconnect();
    reconnecting.disconnect();
  });

  it('should page through a backlog larger than the recent buffer and the catch-up page (600 missed)', async () => {
    const roomId = await newRoom();
    const w = await t.connect(writer.token);
    await emitWithAck(w, 'join_room', roomId);
    await burst(w, roomId, 600, 'old');
    const reconnecting = await t.connect(reader.token);
    const log = joinLog(reconnecting);
    await emitWithAck(reconnecting, 'join_room', { roomId, lastSeq: 0 });
    const { before, joined, after } = log.split();
    expect(before).toEqual(range(1, 600));
    expect(joined.lastSeq).toBe(600);
    expect(after).toEqual([]);
    w.disconnect();
    reconnecting.disconnect();
  });

  it('should send no backlog to a join without lastSeq, and none to a client that is already current', async () => {
    const roomId = await newRoom();
    const w = await t.connect(writer.token);
    await emitWithAck(w, 'join_room', roomId);
    await burst(w, roomId, 3, 'history');
    const fresh = await t.connect(reader.token);
    const freshLog = joinLog(fresh);
    await emitWithAck(fresh, 'join_room', roomId);
    expect(freshLog.split()).toMatchObject({ before: [], joined: { lastSeq: 3 } });
    const current = await t.connect(reader.token);
    const currentLog = joinLog(current);
    await emitWithAck(current, 'join_room', { roomId, lastSeq: 3 });
    expect(currentLog.split()).toMatchObject({ before: [], joined: { lastSeq: 3 } });
    // A client that claims more than exists gets nothing, and still the live stream.
    const ahead = await t.connect(reader.token);
    const aheadLog = joinLog(ahead);
    await emitWithAck(ahead, 'join_room', { roomId, lastSeq: 99 });
    expect(aheadLog.split()).toMatchObject({ before: [], joined: { lastSeq: 3 } });
    const live = nextEvent(ahead, 'new_message');
    await burst(w, roomId, 1, 'live');
    expect((await live).seq).toBe(4);
    for (const socket of [w, fresh, current, ahead]) socket.disconnect();
  });

  it('should not repeat anything when a socket already in the room joins again with an older lastSeq', async () => {
    const roomId = await newRoom();
    const w = await t.connect(writer.token);
    await emitWithAck(w, 'join_room', roomId);
    const r = await t.connect(reader.token);
    await emitWithAck(r, 'join_room', roomId);
    const live = collect(r, 'new_message');
    await burst(w, roomId, 5, 'first');
    await eventually(() => live.items.length === 5);
    const log = joinLog(r);
    await emitWithAck(r, 'join_room', { roomId, lastSeq: 2 });
    const next = nextEvent(r, 'new_message', (m) => m.seq === 6);
    await burst(w, roomId, 1, 'live');
    await next;
    const { before, after } = log.split();
    // 1..5 arrived live before the rejoin; the rejoin replays 3..5 as asked, then 6 comes once.
    expect(before).toEqual([3, 4, 5]);
    expect(after).toEqual([6]);
    w.disconnect();
    r.disconnect();
  });

  it.each([
    ['from the recent buffer', 100],
    ['from the database', 400],
  ])('should stay exactly-once and gap-free when messages are sent while the catch-up runs (%s)', async (_name, backlog) => {
    const roomId = await newRoom();
    const w = await t.connect(writer.token);
    const w2 = await t.connect(writer.token);
    await emitWithAck(w, 'join_room', roomId);
    await burst(w, roomId, backlog, 'backlog');

    const reconnecting = await t.connect(reader.token);
    const log = joinLog(reconnecting);
    // Join while two senders keep sending, neither waiting for the other nor for the join.
    const concurrent = Promise.all([burst(w, roomId, 100, 'during'), burst(w2, roomId, 100, 'during2')]);
    emitRaw(reconnecting, 'join_room', { roomId, lastSeq: 10 });
    await concurrent;
    const total = backlog + 200;
    await eventually(() => log.messages().some((m) => m.seq === total), 10_000);
    const marker = nextEvent(reconnecting, 'new_message', (m) => m.seq === total + 1);
    await burst(w, roomId, 1, 'after');
    await marker;

    const { before, joined, after } = log.split();
    const all = [...before, ...after];
    expect(all).toEqual(range(11, total + 1));
    // joined_room's lastSeq is exactly where the backlog ends and the live stream begins.
    expect(before.every((seq) => seq <= joined.lastSeq)).toBe(true);
    expect(after.every((seq) => seq > joined.lastSeq)).toBe(true);
    expect(before[before.length - 1]).toBe(joined.lastSeq);
    for (const socket of [w, w2, reconnecting]) socket.disconnect();
  });
});
