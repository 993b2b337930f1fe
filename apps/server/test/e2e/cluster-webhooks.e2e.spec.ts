import type { CreatedWebhook, WebhookBody, WebhookDeliveryView, WebhookView } from '@chat/contract';
import { createRoom } from '../support/realtime-helpers.js';
import { startTwoInstances, TestCluster } from '../support/cluster-helpers.js';
import { HookReceiver, sql, verifySignature } from '../support/integration-helpers.js';
import { emitWithAck, eventually, nextEvent, TestApp } from '../support/test-app.js';

async function createHook(t: TestApp, token: string, body: Record<string, unknown>): Promise<CreatedWebhook> {
  const { status, body: hook } = await t.http<CreatedWebhook>('POST', '/api/webhooks', { token, body });
  if (status !== 201) throw new Error(`create hook failed: ${status} ${JSON.stringify(hook)}`);
  return hook;
}

async function deliveries(t: TestApp, token: string, hookId: string): Promise<WebhookDeliveryView[]> {
  const { status, body } = await t.http<WebhookDeliveryView[]>('GET', `/api/webhooks/${hookId}/deliveries`, { token });
  if (status !== 200) throw new Error(`deliveries failed: ${status}`);
  return body;
}

describe('two instances: webhooks', () => {
  let cluster: TestCluster;
  const receivers: HookReceiver[] = [];
  const receiver = () => {
    const r = new HookReceiver();
    receivers.push(r);
    return r;
  };

  beforeAll(async () => {
    cluster = await startTwoInstances('webhooks', {
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_RETRY_SCHEDULE: '300ms,600ms',
      WEBHOOK_POLL_MS: '50',
      WEBHOOK_TIMEOUT_MS: '500',
      RATE_LIMIT_MESSAGES_PER_MINUTE: '10000',
    });
  });
  afterAll(async () => {
    await cluster.close();
    for (const r of receivers) await r.stop();
  });

  it('should sign each delivery, send each exactly once across instances, and list its attempt', async () => {
    const r = receiver();
    const url = await r.start();
    const hook = await createHook(cluster.a, cluster.a.adminToken, { url, events: ['message.created'] });
    expect(hook).toMatchObject({ url, events: ['message.created'], roomId: null, disabledAt: null });
    expect(hook.secret).toMatch(/^whsec_/);
    expect((await cluster.b.http<WebhookView>('GET', `/api/webhooks/${hook.id}`, { token: cluster.b.adminToken })).body).not.toHaveProperty('secret');

    const { token } = await cluster.a.createUser();
    const contents = Array.from({ length: 20 }, (_, i) => `hooked ${i}`);
    await Promise.all(contents.map((content, i) => (i % 2 ? cluster.a : cluster.b).http('POST', '/api/rooms/general/messages', { token, body: { content } })));
    const got = await r.waitFor(20);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(r.received).toHaveLength(20);
    const bodies = got.map((h) => JSON.parse(h.raw) as WebhookBody);
    expect(bodies.map((b) => b.data.message!.content).sort()).toEqual([...contents].sort());
    expect(new Set(got.map((h) => h.headers['x-chat-delivery'])).size).toBe(20);
    for (const h of got) {
      expect(h.headers['x-chat-event']).toBe('message.created');
      expect(h.headers['content-type']).toBe('application/json');
      expect(await verifySignature(hook.secret, h.headers['x-chat-signature'] as string, h.raw)).toBe(true);
      expect(await verifySignature('whsec_wrong', h.headers['x-chat-signature'] as string, h.raw)).toBe(false);
      const t = Number(/t=(\d+)/.exec(h.headers['x-chat-signature'] as string)![1]);
      expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(30);
    }
    expect(bodies[0]).toMatchObject({ type: 'message.created', data: { roomId: 'general' } });
    expect(bodies[0].id).toMatch(/^[0-9a-f-]{36}$/);

    const listed = await deliveries(cluster.b, cluster.b.adminToken, hook.id);
    expect(listed).toHaveLength(20);
    expect(listed[0]).toMatchObject({ status: 'delivered', nextAttemptAt: null, attempts: [{ statusCode: 200, error: null }] });
    expect(listed.map((d) => d.id).sort()).toEqual(got.map((h) => h.headers['x-chat-delivery']).sort());
    expect((await cluster.a.http('DELETE', `/api/webhooks/${hook.id}`, { token: cluster.a.adminToken })).status).toBe(204);
  });

  it('should deliver updates and deletes of a room’s messages to the room owner’s hook only', async () => {
    const r = receiver();
    const url = await r.start();
    const owner = await cluster.a.createUser();
    const member = await cluster.a.createUser();
    const room = (await createRoom(cluster.a, owner.token, { name: 'Hooked room', visibility: 'public' })).id;
    expect((await cluster.a.http('POST', '/api/webhooks', { token: member.token, body: { url, events: ['message.created'], roomId: room } })).body).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
    expect((await cluster.a.http('POST', '/api/webhooks', { token: owner.token, body: { url, events: ['message.created'] } })).body).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
    const hook = await createHook(cluster.a, owner.token, { url, events: ['message.updated', 'message.deleted'], roomId: room });
    expect((await cluster.a.http('GET', `/api/webhooks/${hook.id}`, { token: member.token })).body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
    expect((await cluster.a.http<WebhookView[]>('GET', '/api/webhooks', { token: owner.token })).body.map((h) => h.id)).toEqual([hook.id]);

    const post = async (roomId: string) => (await cluster.b.http<{ id: string }>('POST', `/api/rooms/${roomId}/messages`, { token: member.token, body: { content: 'to change' } })).body.id;
    const here = await post(room);
    const elsewhere = await post('general');
    const db = sql(cluster.a);
    for (const id of [here, elsewhere]) await db.query(`UPDATE messages SET content = 'edited', edited_at = now(), change_seq = change_seq + 1 WHERE id = $1`, [id]);
    await db.query(`UPDATE messages SET deleted_at = now(), content = '', change_seq = change_seq + 1 WHERE id = $1`, [here]);
    const got = await r.waitFor(2);
    const bodies = got.map((h) => JSON.parse(h.raw) as WebhookBody);
    expect(bodies.map((b) => [b.type, b.data.message!.id, b.data.message!.content])).toEqual([
      ['message.updated', here, 'edited'],
      ['message.deleted', here, ''],
    ]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(r.received).toHaveLength(2);

    // An owner who can no longer read the room (private now, and not a member) receives nothing more.
    const other = await cluster.a.createUser();
    expect((await cluster.a.http('PUT', `/api/rooms/${room}/members/${other.user.id}`, { token: owner.token, body: { role: 'owner' } })).status).toBe(200);
    expect((await cluster.a.http('PATCH', `/api/rooms/${room}`, { token: owner.token, body: { visibility: 'private' } })).status).toBe(200);
    expect((await cluster.a.http('DELETE', `/api/rooms/${room}/members/${owner.user.id}`, { token: other.token })).status).toBe(204);
    const later = (await cluster.b.http<{ id: string }>('POST', `/api/rooms/${room}/messages`, { token: other.token, body: { content: 'private now' } })).body.id;
    await db.query(`UPDATE messages SET content = 'edited', edited_at = now(), change_seq = change_seq + 1 WHERE id = $1`, [later]);
    const marker = receiver();
    const markerHook = await createHook(cluster.a, cluster.a.adminToken, { url: await marker.start(), events: ['message.updated'], roomId: room });
    await db.query(`UPDATE messages SET content = 'edited twice', edited_at = now(), change_seq = change_seq + 1 WHERE id = $1`, [later]);
    await marker.waitFor(1);
    expect(r.received).toHaveLength(2);
    expect(await deliveries(cluster.a, cluster.a.adminToken, hook.id)).toHaveLength(2);
    await cluster.a.http('DELETE', `/api/webhooks/${markerHook.id}`, { token: cluster.a.adminToken });
  });

  it('should retry a failing delivery with backoff, then disable the hook and tell its owner', async () => {
    const r = receiver();
    const url = await r.start();
    const admin = await cluster.a.createUser('admin');
    const ownerSocket = await cluster.b.connect(admin.token);
    r.answer = (n) => (n < 2 ? 500 : 200);
    const hook = await createHook(cluster.a, admin.token, { url, events: ['message.created'] });
    await cluster.a.http('POST', '/api/rooms/general/messages', { token: admin.token, body: { content: 'retry me' } });
    const got = await r.waitFor(3);
    expect(new Set(got.map((h) => h.headers['x-chat-delivery'])).size).toBe(1);
    expect(got[1].at - got[0].at).toBeGreaterThanOrEqual(280);
    expect(got[2].at - got[1].at).toBeGreaterThanOrEqual(580);
    // Each attempt is signed afresh over the same body.
    expect(got[2].raw).toBe(got[0].raw);
    for (const h of got) expect(await verifySignature(hook.secret, h.headers['x-chat-signature'] as string, h.raw)).toBe(true);
    await eventually(async () => (await deliveries(cluster.a, admin.token, hook.id))[0]?.status === 'delivered');
    const [delivery] = await deliveries(cluster.a, admin.token, hook.id);
    expect(delivery.attempts.map((a) => a.statusCode)).toEqual([500, 500, 200]);
    expect(delivery.attempts[0]).toMatchObject({ error: 'HTTP 500' });
    expect(delivery.attempts.every((a) => a.durationMs >= 0)).toBe(true);

    // Now every attempt fails: after the schedule (3 attempts) the hook is disabled and its owner told, on any instance.
    r.answer = () => 503;
    const disabled = nextEvent(ownerSocket, 'webhook_disabled', undefined, 10_000);
    await cluster.b.http('POST', '/api/rooms/general/messages', { token: admin.token, body: { content: 'never lands' } });
    expect(await disabled).toMatchObject({ webhookId: hook.id, url });
    const { body: after } = await cluster.a.http<WebhookView>('GET', `/api/webhooks/${hook.id}`, { token: admin.token });
    expect(after.disabledAt).not.toBeNull();
    expect(after.disabledReason).toContain('HTTP 503');
    const [failed] = await deliveries(cluster.a, admin.token, hook.id);
    expect(failed).toMatchObject({ status: 'failed', nextAttemptAt: null });
    expect(failed.attempts).toHaveLength(3);

    // Disabled: nothing more goes out, until it is enabled again.
    const before = r.received.length;
    r.answer = () => 200;
    await cluster.b.http('POST', '/api/rooms/general/messages', { token: admin.token, body: { content: 'while disabled' } });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(r.received).toHaveLength(before);
    const { body: enabled } = await cluster.a.http<WebhookView>('PATCH', `/api/webhooks/${hook.id}`, { token: admin.token, body: { enabled: true } });
    expect(enabled).toMatchObject({ disabledAt: null, disabledReason: null });
    await cluster.b.http('POST', '/api/rooms/general/messages', { token: admin.token, body: { content: 'after re-enabling' } });
    await eventually(() => r.received.some((h) => (JSON.parse(h.raw) as WebhookBody).data.message?.content === 'after re-enabling'));
  });

  it('should count a receiver that does not answer in time as a failed attempt', async () => {
    const r = receiver();
    const url = await r.start();
    r.answer = (n) => (n === 0 ? 'hang' : 200);
    const hook = await createHook(cluster.a, cluster.a.adminToken, { url, events: ['message.created'] });
    await cluster.a.http('POST', '/api/rooms/general/messages', { token: cluster.a.adminToken, body: { content: 'slow receiver' } });
    await r.waitFor(2);
    await eventually(async () => (await deliveries(cluster.a, cluster.a.adminToken, hook.id))[0]?.status === 'delivered');
    const [delivery] = await deliveries(cluster.a, cluster.a.adminToken, hook.id);
    expect(delivery.attempts[0]).toMatchObject({ statusCode: null, error: 'timed out after 500 ms' });
    expect(delivery.attempts[0].durationMs).toBeGreaterThanOrEqual(450);
    await cluster.a.http('DELETE', `/api/webhooks/${hook.id}`, { token: cluster.a.adminToken });
  });

  it('should send a signed webhook.test on request, and ai.reply.completed when the assistant finishes', async () => {
    const r = receiver();
    const url = await r.start();
    const hook = await createHook(cluster.a, cluster.a.adminToken, { url, events: ['ai.reply.completed'] });
    const { status, body: queued } = await cluster.b.http<WebhookDeliveryView>('POST', `/api/webhooks/${hook.id}/test`, { token: cluster.b.adminToken });
    expect(status).toBe(202);
    expect(queued).toMatchObject({ webhookId: hook.id, type: 'webhook.test', status: 'pending' });
    const [test] = await r.waitFor(1);
    expect(test.headers['x-chat-event']).toBe('webhook.test');
    expect(test.headers['x-chat-delivery']).toBe(queued.id);
    expect(JSON.parse(test.raw)).toMatchObject({ type: 'webhook.test', data: { webhookId: hook.id } });

    const socket = await cluster.a.connect(cluster.a.adminToken);
    expect(await emitWithAck(socket, 'join_room', 'general')).toMatchObject({ ok: true });
    const ended = nextEvent(socket, 'ai_stream_end', undefined, 10_000);
    expect(await emitWithAck(socket, 'send_message', { roomId: 'general', content: 'hello assistant', useAi: true })).toMatchObject({ ok: true });
    const reply = await ended;
    const [, completed] = await r.waitFor(2);
    const body = JSON.parse(completed.raw) as WebhookBody;
    expect(completed.headers['x-chat-event']).toBe('ai.reply.completed');
    expect(body).toMatchObject({ type: 'ai.reply.completed', data: { roomId: 'general', message: { isAi: true, status: 'complete' } } });
    expect(body.data.message!.id).toBe((reply as { messageId?: string; message?: { id: string } }).message?.id ?? (reply as { messageId: string }).messageId);
  });

  it('should refuse bad input with coded errors', async () => {
    const admin = cluster.a.adminToken;
    const cases: [Record<string, unknown>, number, string][] = [
      [{ url: 'http://127.0.0.1:1/x', events: ['message.sent'] }, 400, 'VALIDATION_FAILED'],
      [{ url: 'http://127.0.0.1:1/x', events: [] }, 400, 'VALIDATION_FAILED'],
      [{ url: 'not a url', events: ['message.created'] }, 400, 'VALIDATION_FAILED'],
      [{ url: 'ftp://127.0.0.1/x', events: ['message.created'] }, 400, 'VALIDATION_FAILED'],
      [{ url: 'http://user:pw@127.0.0.1/x', events: ['message.created'] }, 400, 'VALIDATION_FAILED'],
      [{ url: 'http://no-such-host.invalid/x', events: ['message.created'] }, 400, 'VALIDATION_FAILED'],
      [{ url: 'http://127.0.0.1:1/x', events: ['message.created'], roomId: 'no-such-room' }, 404, 'ROOM_NOT_FOUND'],
    ];
    for (const [body, statusCode, code] of cases) {
      expect({ body, answer: (await cluster.a.http('POST', '/api/webhooks', { token: admin, body })).body }).toMatchObject({ body, answer: { statusCode, code } });
    }
    expect((await cluster.a.http('GET', '/api/webhooks/not-a-uuid', { token: admin })).body).toMatchObject({ statusCode: 400 });
    expect((await cluster.a.http('GET', '/api/webhooks/00000000-0000-4000-8000-000000000000/deliveries', { token: admin })).body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
    expect((await cluster.a.http('POST', '/api/webhooks/00000000-0000-4000-8000-000000000000/test', { token: admin })).body).toMatchObject({ statusCode: 404 });
  });
});
