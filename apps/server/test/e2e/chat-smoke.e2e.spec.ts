import { collect, emitWithAck, nextEvent, startTestApp, TestApp } from '../support/test-app.js';

describe('chat gateway (smoke)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('should deliver a message to another user in the room', async () => {
    const alice = await t.createUser();
    const bob = await t.createUser();
    const a = await t.connect(alice.token);
    const b = await t.connect(bob.token);
    await emitWithAck(a, 'join_room', 'general');
    await emitWithAck(b, 'join_room', 'general');
    const received = nextEvent(b, 'new_message');
    const sent = nextEvent(a, 'message_sent');
    const errors = collect(a, 'error');
    const ack = await emitWithAck(a, 'send_message', { roomId: 'general', content: 'hello bob' });
    expect(ack.ok).toBe(true);
    expect((await received).content).toBe('hello bob');
    expect((await sent).seq).toBe((await received).seq);
    expect(errors.items).toEqual([]);
  });
});
