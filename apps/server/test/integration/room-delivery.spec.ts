import type { ChatMessage } from '@chat/contract';
import { MessageWriter } from '../../src/messages/message-writer.js';
import { RoomDelivery } from '../../src/realtime/room-delivery.js';
import { joinRoom } from '../support/assistant-helpers.js';
import { createRoom, flush } from '../support/realtime-helpers.js';
import { ChatClient, collect, eventually, startTestApp, TestApp } from '../support/test-app.js';

/**
 * RoomDelivery's gap fill: a message whose seq is ahead of one this instance has not been told
 * about (another instance stored it) waits, and the missing one is read from the database, so the
 * room sees every seq once and in order.
 */
describe(`${RoomDelivery.name} gap fill`, () => {
  let t: TestApp;
  let delivery: RoomDelivery;
  let writer: MessageWriter;
  let author: { id: string; username: string; displayName: string };
  let reader: ChatClient;
  let roomCounter = 0;

  beforeAll(async () => {
    t = await startTestApp();
    delivery = t.app.get(RoomDelivery);
    writer = t.app.get(MessageWriter);
    const created = await t.createUser();
    author = created.user;
    reader = await t.connect(created.token);
  });
  afterAll(async () => {
    await t.close();
  });

  async function followedRoom(): Promise<string> {
    const room = await createRoom(t, t.adminToken, { id: `gap-${++roomCounter}`, name: `Gap ${roomCounter}`, visibility: 'public' });
    await joinRoom(reader, room.id);
    return room.id;
  }

  /** Stored as another instance would store it: in the database, announced to nobody here. */
  async function storedElsewhere(roomId: string, content: string): Promise<ChatMessage> {
    const { message } = await writer.write({ roomId, userId: author.id, username: author.username, displayName: author.displayName, content, isAi: false, status: 'complete' });
    return message;
  }

  const seqsOf = (items: ChatMessage[], roomId: string) => items.filter((m) => m.roomId === roomId).map((m) => m.seq);

  it('should fetch a missing seq from the database and deliver it before the one that arrived ahead of it', async () => {
    const roomId = await followedRoom();
    const received = collect(reader, 'new_message');
    const missing = await storedElsewhere(roomId, 'never announced here');
    const ahead = await storedElsewhere(roomId, 'announced first');

    delivery.deliver({ message: ahead });

    await eventually(() => seqsOf(received.items, roomId).length === 2);
    expect(received.items.filter((m) => m.roomId === roomId).map((m) => [m.seq, m.content])).toEqual([
      [missing.seq, 'never announced here'],
      [ahead.seq, 'announced first'],
    ]);
  });

  it('should not deliver twice when the missing one is announced after the gap was filled', async () => {
    const roomId = await followedRoom();
    const received = collect(reader, 'new_message');
    const missing = await storedElsewhere(roomId, 'late announcement');
    const ahead = await storedElsewhere(roomId, 'early announcement');
    delivery.deliver({ message: ahead });
    await eventually(() => seqsOf(received.items, roomId).length === 2);

    delivery.deliver({ message: missing });
    // A marker through the same socket: anything emitted before it has arrived once it has.
    const sender = await t.connect((await t.createUser()).token);
    await joinRoom(sender, roomId);
    const marker = await flush(sender, roomId, [reader]);

    expect(seqsOf(received.items, roomId)).toEqual([missing.seq, ahead.seq, marker.seq]);
  });

  it('should hold messages arriving out of order and deliver them in seq order', async () => {
    const roomId = await followedRoom();
    const received = collect(reader, 'new_message');
    const first = await storedElsewhere(roomId, 'one');
    const second = await storedElsewhere(roomId, 'two');
    const third = await storedElsewhere(roomId, 'three');

    delivery.deliver({ message: third });
    delivery.deliver({ message: first });
    delivery.deliver({ message: second });

    await eventually(() => seqsOf(received.items, roomId).length === 3);
    expect(seqsOf(received.items, roomId)).toEqual([first.seq, second.seq, third.seq]);
  });

  it('should fill a gap of several seqs in one go', async () => {
    const roomId = await followedRoom();
    const received = collect(reader, 'new_message');
    const missing = [await storedElsewhere(roomId, 'a'), await storedElsewhere(roomId, 'b'), await storedElsewhere(roomId, 'c')];
    const ahead = await storedElsewhere(roomId, 'd');

    delivery.deliver({ message: ahead });

    await eventually(() => seqsOf(received.items, roomId).length === 4);
    expect(seqsOf(received.items, roomId)).toEqual([...missing.map((m) => m.seq), ahead.seq]);
  });
});
