import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeOpenAiServer } from '@chat/server-testing';
import { loadConfig } from '../../src/config/app-config.js';
import { askAndWait, createRoom, joinRoom, send } from '../support/assistant-helpers.js';
import { parseScrape, scrape, Scrape } from '../support/prometheus.js';
import { emitWithAck, eventually, startTestApp, TestApp } from '../support/test-app.js';

const UUID_ANYWHERE = /[0-9a-f]{8}-[0-9a-f]{4}-/;

describe('GET /metrics', () => {
  describe('without METRICS_TOKEN', () => {
    let t: TestApp;
    const fake = new FakeOpenAiServer();
    beforeAll(async () => {
      const webRoot = mkdtempSync(join(tmpdir(), 'chat-web-'));
      writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>console</title>');
      t = await startTestApp({ OPENAI_BASE_URL: await fake.start(), LLM_MODEL: 'fake-model', LLM_COALESCE_MS: '0', WEB_ROOT: webRoot });
    });
    afterAll(async () => {
      await t.close();
      await fake.close();
    });

    it('should answer the Prometheus text format, not the console, even to a browser', async () => {
      const response = await fetch(`${t.baseUrl}/metrics`, { headers: { accept: 'text/html' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await response.text();
      expect(text).not.toContain('<title>console</title>');
      // The console still answers its own deep links.
      expect(await (await fetch(`${t.baseUrl}/rooms/general`, { headers: { accept: 'text/html' } })).text()).toContain('<title>console</title>');
    });

    it('should be documented at /metrics (outside /api) in the OpenAPI document', async () => {
      const docs = await t.http<{ paths: Record<string, unknown> }>('GET', '/api/docs-json');
      expect(Object.keys(docs.body.paths)).toContain('/metrics');
      expect(Object.keys(docs.body.paths)).not.toContain('/api/metrics');
    });

    it('should expose every family with its type, prom-client defaults and the database pool', async () => {
      const m = await scrape(t.baseUrl);
      const expected: Record<string, string> = {
        chat_socket_connections: 'GAUGE',
        chat_socket_events_total: 'COUNTER',
        chat_errors_total: 'COUNTER',
        chat_messages_stored_total: 'COUNTER',
        chat_message_ingest_seconds: 'HISTOGRAM',
        chat_message_write_batch_size: 'HISTOGRAM',
        chat_ai_replies_total: 'COUNTER',
        chat_ai_first_token_seconds: 'HISTOGRAM',
        chat_ai_reply_seconds: 'HISTOGRAM',
        chat_ai_tokens_total: 'COUNTER',
        chat_ai_upstream_running: 'GAUGE',
        chat_ai_upstream_queued: 'GAUGE',
        chat_knowledge_search_seconds: 'HISTOGRAM',
        http_request_duration_seconds: 'HISTOGRAM',
        chat_db_pool_in_use: 'GAUGE',
        chat_db_pool_waiting: 'GAUGE',
        process_resident_memory_bytes: 'GAUGE',
        nodejs_eventloop_lag_seconds: 'GAUGE',
        nodejs_heap_size_used_bytes: 'GAUGE',
      };
      for (const [name, type] of Object.entries(expected)) expect([name, m.type(name)]).toEqual([name, type]);
      expect(m.value('process_resident_memory_bytes')).toBeGreaterThan(0);
    });

    it('should count stored messages, their ingest and batch sizes, and REST requests by route template', async () => {
      const { token } = await t.createUser('staff');
      const before = await scrape(t.baseUrl);
      for (const content of ['one', 'two', 'three']) {
        expect((await t.http('POST', '/api/rooms/general/messages', { token, body: { content } })).status).toBe(201);
      }
      const after = await scrape(t.baseUrl);
      expect(after.value('chat_messages_stored_total') - before.value('chat_messages_stored_total')).toBe(3);
      expect(after.count('chat_message_ingest_seconds') - before.count('chat_message_ingest_seconds')).toBe(3);
      expect(after.count('chat_message_write_batch_size') - before.count('chat_message_write_batch_size')).toBeGreaterThanOrEqual(1);
      const posted = { method: 'POST', route: '/api/rooms/:roomId/messages', status: '201' };
      expect(after.count('http_request_duration_seconds', posted) - before.count('http_request_duration_seconds', posted)).toBe(3);
    });

    it('should count coded errors by code and keep labels to templates and enums', async () => {
      const { token } = await t.createUser('staff');
      const before = await scrape(t.baseUrl);
      expect((await t.http('GET', '/api/rooms/no-such-room', { token })).status).toBe(404);
      expect((await t.http('GET', `/api/rooms/no-such-room-${Date.now()}/messages`, { token })).status).toBe(404);
      const after = await scrape(t.baseUrl);
      expect(after.value('chat_errors_total', { code: 'ROOM_NOT_FOUND' }) - before.value('chat_errors_total', { code: 'ROOM_NOT_FOUND' })).toBe(2);
      for (const labels of after.labels('http_request_duration_seconds')) {
        expect(labels["route"]).not.toMatch(/no-such-room|[0-9a-f]{8}-/);
      }
      expect(after.labels('http_request_duration_seconds')).toContainEqual({ method: 'GET', route: '/api/rooms/:roomId', status: '404' });
    });

    it('should follow socket connections and count socket events by event and outcome', async () => {
      const { token } = await t.createUser('staff');
      const before = await scrape(t.baseUrl);
      const socket = await t.connect(token);
      await eventually(async () => (await scrape(t.baseUrl)).value('chat_socket_connections') === before.value('chat_socket_connections') + 1);
      expect((await emitWithAck(socket, 'join_room', 'general')).ok).toBe(true);
      expect((await emitWithAck(socket, 'join_room', 'not-a-room')).ok).toBe(false);
      const during = await scrape(t.baseUrl);
      const delta = (m: Scrape, labels: Record<string, string>) => m.value('chat_socket_events_total', labels) - before.value('chat_socket_events_total', labels);
      expect(delta(during, { event: 'join_room', outcome: 'ok' })).toBe(1);
      expect(delta(during, { event: 'join_room', outcome: 'error' })).toBe(1);
      socket.disconnect();
      await eventually(async () => (await scrape(t.baseUrl)).value('chat_socket_connections') === before.value('chat_socket_connections'));
    });

    it('should count assistant replies, their tokens and timings, and knowledge searches', async () => {
      const { token } = await t.createUser('staff');
      await createRoom(t, token, { id: 'metrics-ai', name: 'Metrics', visibility: 'public' });
      const socket = await t.connect(token);
      await joinRoom(socket, 'metrics-ai');
      const before = await scrape(t.baseUrl);
      fake.enqueue({ kind: 'stream', tokens: ['Hello', ' there', ' friend'] });
      const { reply } = await askAndWait(socket, 'metrics-ai', 'say hello');
      expect(reply.status).toBe('complete');
      const after = await scrape(t.baseUrl);
      const diff = (name: string, labels?: Record<string, string>) => after.value(name, labels) - before.value(name, labels);
      expect(diff('chat_ai_replies_total', { outcome: 'complete' })).toBe(1);
      expect(diff('chat_ai_tokens_total', { kind: 'completion' })).toBe(reply.metadata!.completionTokens);
      expect(diff('chat_ai_tokens_total', { kind: 'prompt' })).toBe(reply.metadata!.promptTokens);
      expect(after.count('chat_ai_first_token_seconds') - before.count('chat_ai_first_token_seconds')).toBe(1);
      expect(after.count('chat_ai_reply_seconds') - before.count('chat_ai_reply_seconds')).toBe(1);
      // The assistant searched the knowledge base for the question.
      expect(after.count('chat_knowledge_search_seconds') - before.count('chat_knowledge_search_seconds')).toBeGreaterThanOrEqual(1);
      expect(after.value('chat_ai_upstream_running')).toBe(0);
      expect(after.value('chat_ai_upstream_queued')).toBe(0);

      // Nothing the users typed or any id became a label value.
      const text = await (await fetch(`${t.baseUrl}/metrics`)).text();
      expect(text).not.toMatch(UUID_ANYWHERE);
      expect(text).not.toContain('metrics-ai');
      await send(socket, 'metrics-ai', 'bye');
    });
  });

  describe('with METRICS_TOKEN', () => {
    const METRICS_TOKEN = 'scrape-token-0123456789abcdef';
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ METRICS_TOKEN });
    });
    afterAll(async () => {
      await t.close();
    });

    it('should answer 401 UNAUTHORIZED without the token, with another one, or with a user JWT', async () => {
      for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789abcdef' }, { authorization: `Bearer ${t.adminToken}` }]) {
        const response = await fetch(`${t.baseUrl}/metrics`, { headers });
        expect(response.status).toBe(401);
        expect(await response.json()).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
      }
    });

    it('should refuse a METRICS_TOKEN shorter than 16 characters at start-up, naming it', () => {
      expect(() => loadConfig({ DATA_DIR: '/tmp/chat-metrics-config-test', JWT_SECRET: 'x'.repeat(40), METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
      expect(loadConfig({ DATA_DIR: '/tmp/chat-metrics-config-test', JWT_SECRET: 'x'.repeat(40) }).metricsToken).toBeNull();
    });

    it('should answer the metrics with the token', async () => {
      const m = await scrape(t.baseUrl, METRICS_TOKEN);
      expect(m.type('chat_messages_stored_total')).toBe('COUNTER');
      expect(parseScrape('').names()).toEqual([]);
    });
  });
});
