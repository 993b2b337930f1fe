import type { KnowledgeSearchResponse } from '@chat/contract';
import { createKnowledgeRoom, uploadJson } from '../support/knowledge-helpers.js';
import { startTestApp, TestApp } from '../support/test-app.js';

const KITCHEN = '# Kitchen\n\nThe kitchen is cleaned every evening; dishes go into the dishwasher before you leave.';
const HEATER = '# Heating\n\nThe zephyr heater in the lobby is switched on from November to March by facilities.';

describe('Search scores do not leak other rooms (audit point 3)', () => {
  let t: TestApp;
  let outsider: { token: string };
  let owner: { token: string };

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_REST_PER_MINUTE: '10000' });
    for (const [title, content] of [['Kitchen rules', KITCHEN], ['Heating', HEATER]]) {
      expect((await uploadJson(t, t.adminToken, { title, content })).status).toBe(201);
    }
    outsider = await t.createUser();
    owner = await t.createUser();
  });
  afterAll(async () => {
    await t.close();
  });

  const search = async (token: string, q: string, roomId?: string) => {
    const query = new URLSearchParams({ q, ...(roomId ? { roomId } : {}) });
    const { status, body } = await t.http<KnowledgeSearchResponse>('GET', `/api/knowledge/search?${query}`, { token });
    expect(status).toBe(200);
    return body.results.map((r) => ({ title: r.title, score: r.score }));
  };

  it("should give an outsider the same scores whatever a private room's documents contain", async () => {
    const before = await search(outsider.token, 'kitchen zephyr');
    expect(before.map((r) => r.title).sort()).toEqual(['Heating', 'Kitchen rules']);

    // A private room fills up with documents full of one of the question's words.
    const secret = await createKnowledgeRoom(t, owner.token, 'zephyr-project', 'private');
    for (let i = 0; i < 12; i++) {
      const content = `# Zephyr ${i}\n\nZephyr milestone ${i}: the zephyr prototype ${i} passed review number ${i * 7}.`;
      expect((await uploadJson(t, owner.token, { title: `Zephyr note ${i}`, content, roomId: secret.id })).status).toBe(201);
    }

    expect(await search(outsider.token, 'kitchen zephyr')).toEqual(before);
    // The members of that room do see their documents count.
    expect((await search(owner.token, 'kitchen zephyr', secret.id)).length).toBeGreaterThan(2);
  });

  it('should expose scores relative to the best result, not raw statistics', async () => {
    const results = await search(outsider.token, 'kitchen zephyr');
    expect(results[0].score).toBe(1);
    for (const r of results) expect(r.score).toBeLessThanOrEqual(1);
  });
});
