import { readFileSync } from 'node:fs';
import { scrape } from '../support/prometheus.js';
import { startTestApp, TestApp } from '../support/test-app.js';

const DASHBOARD = new URL('../../../../docker/grafana/dashboards/team-chat.json', import.meta.url);

interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
}

/** The families the dashboard must chart (the list). */
const REQUIRED = [
  'chat_socket_connections',
  'chat_socket_events_total',
  'chat_errors_total',
  'chat_messages_stored_total',
  'chat_message_ingest_seconds',
  'chat_message_write_batch_size',
  'chat_ai_replies_total',
  'chat_ai_first_token_seconds',
  'chat_ai_reply_seconds',
  'chat_ai_tokens_total',
  'chat_ai_upstream_running',
  'chat_ai_upstream_queued',
  'chat_knowledge_search_seconds',
  'http_request_duration_seconds',
  'nodejs_eventloop_lag_seconds',
  'nodejs_heap_size_used_bytes',
  'process_resident_memory_bytes',
  'chat_db_pool_in_use',
  'chat_db_pool_waiting',
];

describe('the provisioned Grafana dashboard', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const panels = (JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] }).panels;
  /** Metric names in the queries, with a histogram's series suffixes taken back to its family. */
  const charted = new Set(
    panels
      .flatMap((panel) => panel.targets ?? [])
      .flatMap((target) => [...target.expr.matchAll(/\b((?:chat|http|nodejs|process)_[a-z0-9_]+)\b/g)].map((match) => match[1]))
      .map((name) => name.replace(/_(bucket|sum|count)$/, '')),
  );

  it('should chart every family the server promises', () => {
    for (const family of REQUIRED) expect([family, charted.has(family)]).toEqual([family, true]);
  });

  it('should only query families this server exposes', async () => {
    const families = new Set((await scrape(t.baseUrl)).names());
    for (const name of charted) expect([name, families.has(name)]).toEqual([name, true]);
  });

  it('should give every chart a title and at least one query', () => {
    for (const panel of panels.filter((p) => p.type !== 'row')) {
      expect(panel.title).not.toBe('');
      expect(panel.targets?.length).toBeGreaterThan(0);
    }
  });
});
