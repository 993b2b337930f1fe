import { DataSource } from 'typeorm';
import { emitWithAck, nextEvent, startTestApp, TestApp } from '../support/test-app.js';

describe('graceful shutdown', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.database.drop();
  });

  it('should tell connected clients, close their transport so they reconnect, and close the database', async () => {
    const alice = await t.createUser();
    const socket = await t.connect(alice.token);
    await emitWithAck(socket, 'join_room', 'general');
    const notice = nextEvent(socket, 'server_shutdown');
    const disconnected = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
    const dataSource = t.app.get(DataSource);

    await t.app.close();

    expect(await notice).toEqual({ reason: expect.any(String), reconnectAfterMs: expect.any(Number) });
    // "transport close", not "io server disconnect": socket.io clients reconnect by themselves after it.
    expect(await disconnected).toBe('transport close');
    expect(dataSource.isInitialized).toBe(false);
    await expect(fetch(`${t.baseUrl}/health/live`)).rejects.toThrow();
  });
});
