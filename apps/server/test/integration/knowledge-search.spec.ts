import { readdirSync } from 'node:fs';
import type { HttpErrorBody, KnowledgeSearchResponse, UserAdminView } from '@chat/contract';
import { KnowledgeIndex } from '../../src/knowledge/knowledge-index.js';
import { KnowledgeService } from '../../src/knowledge/knowledge.service.js';
import { readSynonymFile } from '../../src/knowledge/synonyms.js';
import { createKnowledgeRoom, EVAL_DOCUMENTS, evalDocument, uploadFile, uploadJson } from '../support/knowledge-helpers.js';
import { startTestApp, TestApp } from '../support/test-app.js';

interface Caller {
  user: UserAdminView;
  token: string;
}

const TYPES: Record<string, string> = { md: 'text/markdown', txt: 'text/plain', html: 'text/html', pdf: 'application/pdf' };

describe('KnowledgeController: search and KnowledgeService.retrieve', () => {
  let t: TestApp;
  let knowledge: KnowledgeService;
  let owner: Caller;
  let outsider: Caller;
  const ROOM_A = 'team-alpha';
  const ROOM_B = 'team-bravo';
  const titleOf = new Map<string, string>();
  let alphaDoc: string;
  let bravoDoc: string;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_REST_PER_MINUTE: '100000' });
    knowledge = t.app.get(KnowledgeService);
    [owner, outsider] = await Promise.all([t.createUser('staff'), t.createUser('staff')]);
    // The evaluation documents, global, uploaded as files of every format.
    for (const name of readdirSync(EVAL_DOCUMENTS)) {
      const uploaded = await uploadFile(t, t.adminToken, { name, type: TYPES[name.split('.').pop()!], content: evalDocument(name) });
      if (uploaded.status !== 201) throw new Error(`upload ${name}: ${uploaded.status} ${JSON.stringify(uploaded.body)}`);
      titleOf.set(uploaded.body.id, uploaded.body.title);
    }
    await createKnowledgeRoom(t, owner.token, ROOM_A, 'public');
    await createKnowledgeRoom(t, owner.token, ROOM_B, 'private');
    // Two rooms with a document on the same subject, in the same words.
    const agenda = (team: string) => `# ${team} offsite agenda\n\nThe ${team} offsite starts on Monday with a planning session and a team dinner.`;
    alphaDoc = (await uploadJson(t, owner.token, { title: 'Alpha offsite', content: agenda('Alpha'), roomId: ROOM_A })).body.id;
    bravoDoc = (await uploadJson(t, owner.token, { title: 'Bravo offsite', content: agenda('Bravo'), roomId: ROOM_B })).body.id;
  });
  afterAll(async () => {
    await t.close();
  });

  const search = (query: string, token = t.adminToken) =>
    t.http<KnowledgeSearchResponse & HttpErrorBody>('GET', `/api/knowledge/search?${query}`, { token });
  const topTitles = async (question: string, roomId: string | null = null) =>
    [...new Set((await knowledge.retrieve(roomId, question, 10)).map((c) => c.title))].slice(0, 3);

  describe('ranking', () => {
    it.each([
      ['How many vacation days do I get?', 'Leave and Time Off'],
      ['Can I fly business class to Singapore?', 'Business Travel Policy'],
      ['How do I undo a bad release?', 'Production Deployment Runbook'],
      ['Is my gym membership paid for?', 'Employee Benefits Overview'],
      ['My account got locked after too many attempts', 'Password and Account Security Standard'],
      ['How many approvals does a pull request need?', 'Code Review Guidelines'],
    ])('should rank the document that answers "%s" first', async (question, title) => {
      expect((await topTitles(question))[0]).toBe(title);
    });

    it('should find the answer to a question that shares only some of its words with it (OR matching)', async () => {
      // "kitchen" is nowhere in the documents; "work" is in most of them.
      expect(await topTitles('Can I work from my kitchen?')).toContain('Remote Work Policy');
    });

    it('should use the synonym list for abbreviations and other words for the same thing', async () => {
      const index = t.app.get(KnowledgeIndex);
      expect((await topTitles('wfh'))[0]).toBe('Remote Work Policy');
      expect((await topTitles('How many vacation days do I get?'))[0]).toBe('Leave and Time Off');
      await index.useSynonyms([]);
      try {
        expect(await topTitles('wfh')).toEqual([]);
        expect((await topTitles('How many vacation days do I get?'))[0]).not.toBe('Leave and Time Off');
      } finally {
        await index.useSynonyms(readSynonymFile());
      }
    });

    it('should match other forms of a word (stemming)', async () => {
      const singular = await knowledge.retrieve(null, 'laptop replacement', 3);
      const plural = await knowledge.retrieve(null, 'laptops replaced', 3);
      expect(plural.map((c) => c.chunkId)).toEqual(singular.map((c) => c.chunkId));
      expect(singular[0].title).toBe('IT Support and Laptops');
    });

    it('should leave out chunks with a word the question excludes with "-"', async () => {
      const all = await knowledge.retrieve(null, 'lost laptop', 20);
      expect(all.some((c) => /stolen/i.test(c.text))).toBe(true);
      const without = await knowledge.retrieve(null, 'lost laptop -stolen', 20);
      expect(without.length).toBeGreaterThan(0);
      expect(without.some((c) => /stolen/i.test(c.text))).toBe(false);
    });

    it('should return nothing for a question of stop words only, or an empty one', async () => {
      expect(await knowledge.retrieve(null, 'what is it?', 5)).toEqual([]);
      expect(await knowledge.retrieve(null, '   ', 5)).toEqual([]);
    });
  });

  describe('KnowledgeService.retrieve', () => {
    it('should return chunks with the document title, heading path, text, snippet and score, best first', async () => {
      const chunks = await knowledge.retrieve(null, 'How often do I have to change my password?', 4);
      expect(chunks).toHaveLength(4);
      expect(chunks[0]).toEqual({
        chunkId: expect.any(String),
        documentId: expect.any(String),
        title: 'Password and Account Security Standard',
        roomId: null,
        headingPath: ['PASSWORD AND ACCOUNT SECURITY STANDARD', '2. Passwords', '2.2 Changing passwords'],
        text: expect.stringContaining('You do not have to change your password on a schedule.'),
        snippet: expect.stringMatching(/change your password/i),
        score: expect.any(Number),
      });
      const scores = chunks.map((c) => c.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      expect(chunks[0].snippet.length).toBeLessThan(chunks[0].text.length + 1);
    });

    it("should search a room's documents and the global ones, never another room's", async () => {
      const inAlpha = await knowledge.retrieve(ROOM_A, 'offsite agenda', 10);
      expect(inAlpha.map((c) => c.documentId)).toContain(alphaDoc);
      expect(inAlpha.map((c) => c.documentId)).not.toContain(bravoDoc);
      const inBravo = await knowledge.retrieve(ROOM_B, 'offsite agenda', 10);
      expect(inBravo.map((c) => c.documentId)).toContain(bravoDoc);
      expect(inBravo.map((c) => c.documentId)).not.toContain(alphaDoc);
      const outside = await knowledge.retrieve(null, 'offsite agenda', 10);
      expect(outside.every((c) => c.roomId === null)).toBe(true);
      // The global documents answer in every room.
      for (const room of [ROOM_A, ROOM_B, null]) expect((await topTitles('How many vacation days do I get?', room))[0]).toBe('Leave and Time Off');
    });
  });

  describe('GET /api/knowledge/search', () => {
    it('should answer {results} with documentId, title, chunkId, snippet and score, 5 by default', async () => {
      const response = await search('q=vpn+hotel+wifi', outsider.token);
      expect(response.status).toBe(200);
      expect(response.body.results).toHaveLength(5);
      expect(response.body.results[0]).toEqual({
        documentId: expect.any(String),
        title: 'VPN and Remote Access',
        chunkId: expect.any(String),
        snippet: expect.any(String),
        score: expect.any(Number),
      });
      expect((await search('q=vpn&limit=2')).body.results).toHaveLength(2);
    });

    it("should search a room's documents for someone who may enter it, and only then", async () => {
      const ids = (r: { body: KnowledgeSearchResponse }) => r.body.results.map((x) => x.documentId);
      expect(ids(await search(`q=offsite&roomId=${ROOM_A}`, outsider.token))).toEqual([alphaDoc]);
      expect(ids(await search('q=offsite', outsider.token))).toEqual([]);
      expect(ids(await search(`q=offsite&roomId=${ROOM_B}`, owner.token))).toEqual([bravoDoc]);
      expect(await search(`q=offsite&roomId=${ROOM_B}`, outsider.token)).toEqual({
        status: 403,
        body: { statusCode: 403, code: 'FORBIDDEN', message: `Room "${ROOM_B}" is private` },
      });
      expect((await search('q=offsite&roomId=no-such-room', outsider.token)).body).toMatchObject({ statusCode: 404, code: 'ROOM_NOT_FOUND' });
    });

    it('should refuse a missing or empty question and a limit out of range with 400', async () => {
      for (const query of ['', 'q=', 'q=%20%20', 'q=vpn&limit=0', 'q=vpn&limit=51', 'q=vpn&limit=two', 'q=vpn&roomId=Bad%20Room']) {
        expect((await search(query)).body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
      }
    });

    it('should need a signed-in user', async () => {
      expect((await t.http('GET', '/api/knowledge/search?q=vpn')).status).toBe(401);
    });
  });
});
