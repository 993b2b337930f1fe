import { randomUUID } from 'node:crypto';
import type { WebhookDeliveryView } from '@chat/contract';
import { HookReceiver, sql } from '../support/integration-helpers.js';
import { eventually, startTestApp, TestApp } from '../support/test-app.js';

describe('webhook targets without WEBHOOK_ALLOW_PRIVATE', () => {
  let t: TestApp;
  const receiver = new HookReceiver();

  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_POLL_MS: '50', WEBHOOK_RETRY_SCHEDULE: '1h' });
  });
  afterAll(async () => {
    await t.close();
    await receiver.stop();
  });

  it.each([
    'https://localhost/hook',
    'https://127.0.0.1/hook',
    'https://127.1/hook',
    'https://[::1]/hook',
    'https://169.254.169.254/latest/meta-data/',
    'https://10.0.0.1/hook',
    'https://192.168.0.10/hook',
    'https://100.64.0.1/hook',
    'https://[::ffff:127.0.0.1]/hook',
    'https://[fd00::1]/hook',
    'https://[fe80::1]/hook',
    'https://0.0.0.0/hook',
  ])('should refuse %s with 400', async (url) => {
    const { body } = await t.http<{ statusCode: number; code: string; message: string }>('POST', '/api/webhooks', { token: t.adminToken, body: { url, events: ['message.created'] } });
    expect(body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    expect(body.message).toContain('url refused');
  });

  it('should ask for https://', async () => {
    const { body } = await t.http('POST', '/api/webhooks', { token: t.adminToken, body: { url: 'http://example.com/hook', events: ['message.created'] } });
    expect(body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED', message: 'url must be https:// (plain http:// only with WEBHOOK_ALLOW_PRIVATE=true)' });
  });

  it('should check the address again at delivery time and send nothing to a private one', async () => {
    const url = await receiver.start();
    // A hook whose name resolved publicly when it was created (written directly: no route can make one).
    const [{ id }] = await sql(t).query(
      `INSERT INTO webhooks (owner_id, url, events, secret) SELECT id, $1, '{message.created}', 'whsec_x' FROM users WHERE username = 'admin' RETURNING id`,
      [url],
    );
    await sql(t).query(`INSERT INTO webhook_deliveries (webhook_id, event_id, type, body) VALUES ($1, $2, 'message.created', '{}')`, [id, randomUUID()]);
    let listed: WebhookDeliveryView[] = [];
    await eventually(async () => {
      listed = (await t.http<WebhookDeliveryView[]>('GET', `/api/webhooks/${id}/deliveries`, { token: t.adminToken })).body;
      return listed[0]?.attempts.length === 1;
    });
    expect(listed[0]).toMatchObject({ status: 'pending', attempts: [{ statusCode: null }] });
    expect(listed[0].attempts[0].error).toContain('127.0.0.1');
    expect(receiver.received).toHaveLength(0);
  });

  it('should prune finished deliveries older than the retention, and keep pending ones', async () => {
    const [{ id }] = await sql(t).query(
      `INSERT INTO webhooks (owner_id, url, events, secret) SELECT id, 'https://example.com/', '{message.created}', 'whsec_x' FROM users WHERE username = 'admin' RETURNING id`,
    );
    const add = (status: string, daysAgo: number) =>
      sql(t).query(
        `INSERT INTO webhook_deliveries (webhook_id, event_id, type, body, status, next_attempt_at, created_at)
         VALUES ($1, $2, 'message.created', '{}', $3, now() + interval '1 day', now() - make_interval(days => $4)) RETURNING id`,
        [id, randomUUID(), status, daysAgo],
      );
    await add('delivered', 30);
    await add('failed', 30);
    await add('pending', 30);
    await add('delivered', 1);
    const { WebhookDelivery } = await import('../../src/integrations/webhook-delivery.js');
    expect(await t.app.get(WebhookDelivery).prune()).toBe(2);
    const left = await sql(t).query(`SELECT status FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY status`, [id]);
    expect(left.map((r: { status: string }) => r.status)).toEqual(['delivered', 'pending']);
  });
});
