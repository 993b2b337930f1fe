import type { CreatedWebhook, LoginResponse, WebhookBody, WebhookDeliveryView } from '@chat/contract';
import { HookReceiver, verifySignature } from '../support/integration-helpers.js';
import { createTestDatabase, TestDatabase } from '../support/postgres.js';
import { buildServer, ServerProcess, startServerProcess } from '../support/server-process.js';
import { eventually } from '../support/test-app.js';

const ADMIN_PASSWORD = 'admin-password-for-webhook-kill';

async function http<T>(base: string, method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

describe('a webhook delivery across a kill -9 of the server', () => {
  let database: TestDatabase;
  const receiver = new HookReceiver();
  let first: ServerProcess | undefined;
  let second: ServerProcess | undefined;
  let third: ServerProcess | undefined;

  beforeAll(async () => {
    buildServer();
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await first?.kill('SIGKILL');
    await second?.kill('SIGKILL');
    await third?.kill('SIGKILL');
    await receiver.stop();
    await database.drop();
  });

  it('should deliver after the server that had it failing is killed and another one starts', async () => {
    const env = {
      DATABASE_URL: database.url,
      JWT_SECRET: 'webhook-kill-secret-that-is-long-enough-0123456789',
      ADMIN_PASSWORD,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_RETRY_SCHEDULE: '2s,2s,2s',
      WEBHOOK_POLL_MS: '100',
    };
    const url = await receiver.start();
    let up = false;
    receiver.answer = () => (up ? 200 : 500);
    first = await startServerProcess(env);
    const { body: login } = await http<LoginResponse>(first.url, 'POST', '/api/auth/login', undefined, { username: 'admin', password: ADMIN_PASSWORD });
    const token = login.accessToken;
    const { body: hook } = await http<CreatedWebhook>(first.url, 'POST', '/api/webhooks', token, { url, events: ['message.created'] });
    expect((await http(first.url, 'POST', '/api/rooms/general/messages', token, { content: 'survive this' })).status).toBe(201);

    // The first attempt fails; the retry is due in 2 s, and the server dies before it.
    await receiver.waitFor(1);
    await eventually(async () => (await http<WebhookDeliveryView[]>(first!.url, 'GET', `/api/webhooks/${hook.id}/deliveries`, token)).body[0]?.attempts.length === 1);
    await first.kill('SIGKILL');
    up = true;

    second = await startServerProcess(env);
    const [failed, delivered] = await receiver.waitFor(2, 15_000);
    expect(delivered.headers['x-chat-delivery']).toBe(failed.headers['x-chat-delivery']);
    expect(delivered.raw).toBe(failed.raw);
    expect((JSON.parse(delivered.raw) as WebhookBody).data.message?.content).toBe('survive this');
    expect(await verifySignature(hook.secret, delivered.headers['x-chat-signature'] as string, delivered.raw)).toBe(true);
    await eventually(async () => (await http<WebhookDeliveryView[]>(second!.url, 'GET', `/api/webhooks/${hook.id}/deliveries`, token)).body[0]?.status === 'delivered');
    const { body: listed } = await http<WebhookDeliveryView[]>(second.url, 'GET', `/api/webhooks/${hook.id}/deliveries`, token);
    expect(listed[0].attempts.map((a) => a.statusCode)).toEqual([500, 200]);
    expect(receiver.received).toHaveLength(2);
  });

  it('should send again, after its lease runs out, a delivery whose server died while sending it', async () => {
    await second?.kill('SIGKILL');
    const env = {
      DATABASE_URL: database.url,
      JWT_SECRET: 'webhook-kill-secret-that-is-long-enough-0123456789',
      ADMIN_PASSWORD,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_RETRY_SCHEDULE: '1s',
      WEBHOOK_POLL_MS: '100',
      WEBHOOK_TIMEOUT_MS: '1000',
    };
    const before = receiver.received.length;
    // The receiver holds the request open: the server dies mid-send, before it records anything.
    receiver.answer = (n) => (n === before ? 'hang' : 200);
    second = await startServerProcess(env);
    const { body: login } = await http<LoginResponse>(second.url, 'POST', '/api/auth/login', undefined, { username: 'admin', password: ADMIN_PASSWORD });
    const token = login.accessToken;
    expect((await http(second.url, 'POST', '/api/rooms/general/messages', token, { content: 'cut off mid-send' })).status).toBe(201);
    await receiver.waitFor(before + 1);
    await second.kill('SIGKILL');

    third = await startServerProcess(env);
    const [cut, resent] = (await receiver.waitFor(before + 2, 20_000)).slice(before);
    expect(resent.headers['x-chat-delivery']).toBe(cut.headers['x-chat-delivery']);
    expect((JSON.parse(resent.raw) as WebhookBody).data.message?.content).toBe('cut off mid-send');
    // The cut-off attempt was never recorded: only the one that got an answer is.
    const hooks = (await http<{ id: string }[]>(third.url, 'GET', '/api/webhooks', token)).body;
    await eventually(async () => (await http<WebhookDeliveryView[]>(third!.url, 'GET', `/api/webhooks/${hooks[0].id}/deliveries`, token)).body[0]?.status === 'delivered');
    const [latest] = (await http<WebhookDeliveryView[]>(third.url, 'GET', `/api/webhooks/${hooks[0].id}/deliveries`, token)).body;
    expect(latest.attempts.map((a) => a.statusCode)).toEqual([200]);
  });
});
