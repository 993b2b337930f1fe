import type { ChatMessage, KnowledgeDocumentView } from '@chat/contract';
import { OFFLINE_NOTHING_FOUND } from '../../src/llm/offline-provider.js';
import { FakeOpenAiServer } from '@chat/server-testing';
import { createKnowledgeRoom, uploadJson } from '../support/knowledge-helpers.js';
import { emitWithAck, nextEvent, startTestApp, TestApp } from '../support/test-app.js';

const PARENTAL = `# Parental leave

## Duration
Every employee who becomes a parent gets 20 weeks of fully paid parental leave, to be taken within the child's first year.

## How to apply
Tell your manager and send the HR form at least four weeks before the leave starts.`;

const LAPTOPS = `# Laptop policy

## Replacement
Laptops are replaced every three years. A broken screen is repaired by the IT desk within two working days.`;

async function upload(t: TestApp, token: string, title: string, content: string, roomId?: string): Promise<KnowledgeDocumentView> {
  const answer = await uploadJson(t, token, { title, content, ...(roomId ? { roomId } : {}) });
  if (answer.status !== 201) throw new Error(`upload ${title}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Asks in a room and resolves with the final reply as `ai_stream_end` and as `new_message` carry it. */
async function ask(t: TestApp, token: string, roomId: string, question: string): Promise<{ end: ChatMessage; asMessage: ChatMessage }> {
  const socket = await t.connect(token);
  await emitWithAck(socket, 'join_room', roomId);
  const end = nextEvent(socket, 'ai_stream_end', undefined, 10_000);
  const asMessage = nextEvent(socket, 'new_message', (m) => m.isAi && m.status !== 'streaming', 10_000);
  const ack = await emitWithAck(socket, 'send_message', { roomId, content: question, useAi: true });
  expect(ack.ok).toBe(true);
  const result = { end: (await end).message, asMessage: await asMessage };
  socket.disconnect();
  return result;
}

describe('assistant answers from the knowledge base', () => {
  describe('with a model', () => {
    let t: TestApp;
    const fake = new FakeOpenAiServer();
    let parental: KnowledgeDocumentView;
    let staff: { token: string; user: { id: string } };

    beforeAll(async () => {
      t = await startTestApp({ OPENAI_BASE_URL: await fake.start(), LLM_TIMEOUT_MS: '3000' });
      parental = await upload(t, t.adminToken, 'Parental leave policy', PARENTAL);
      await upload(t, t.adminToken, 'Laptop policy', LAPTOPS);
      staff = await t.createUser();
    });
    afterAll(async () => {
      await t.close();
      await fake.close();
    });

    it('should put numbered sources in the prompt and store the cited ones on the reply', async () => {
      fake.enqueue({ kind: 'stream', tokens: ['You get', ' 20 weeks', ' of paid leave', ' [1].'] });
      const before = fake.requests.length;
      const { end, asMessage } = await ask(t, staff.token, 'general', 'How many weeks of parental leave do new parents get?');

      // The sources travel in their own reference message after the room's instructions.
      const [system, reference] = fake.requests[before].body.messages;
      expect(system.role).toBe('system');
      expect(system.content).not.toContain('Parental leave');
      expect(reference.role).toBe('user');
      expect(reference.content).toContain('[1] Parental leave policy › Parental leave › Duration');
      expect(reference.content).toContain('20 weeks of fully paid parental leave');
      expect(reference.content).toMatch(/cite each one you use as \[n\]/);

      expect(end.content).toBe('You get 20 weeks of paid leave [1].');
      expect(end.metadata?.citations).toEqual([
        { n: 1, documentId: parental.id, title: 'Parental leave policy', chunkId: expect.any(String), snippet: expect.stringContaining('20 weeks') },
      ]);
      // The same citations travel with the seed's event.
      expect(asMessage.metadata?.citations).toEqual(end.metadata?.citations);
      const stored = await t.http<{ messages: ChatMessage[] }>('GET', '/api/rooms/general/messages', { token: staff.token });
      expect(stored.body.messages.find((m) => m.id === end.id)?.metadata?.citations).toEqual(end.metadata?.citations);
    });

    it('should not store sources the answer does not cite', async () => {
      fake.enqueue({ kind: 'stream', tokens: ['I do not know.'] });
      const { end } = await ask(t, staff.token, 'general', 'How long is parental leave?');
      expect(end.metadata?.citations).toBeUndefined();
    });

    it("should never give one room's documents to another room", async () => {
      const owner = await t.createUser();
      const secretRoom = await createKnowledgeRoom(t, owner.token, `secret-${Date.now()}`, 'private');
      await upload(t, owner.token, 'Project Falcon budget', '# Falcon\n\nThe Falcon launch budget is 4.2 million euros.', secretRoom.id);

      fake.enqueue({ kind: 'stream', tokens: ['ok'] });
      let before = fake.requests.length;
      await ask(t, staff.token, 'general', 'What is the Falcon launch budget?');
      expect(JSON.stringify(fake.requests[before].body.messages)).not.toContain('Falcon launch budget is');

      fake.enqueue({ kind: 'stream', tokens: ['4.2 million [1]'] });
      before = fake.requests.length;
      const { end } = await ask(t, owner.token, secretRoom.id, 'What is the Falcon launch budget?');
      expect(fake.requests[before].body.messages[1].content).toContain('4.2 million euros');
      expect(end.metadata?.citations?.[0]).toMatchObject({ n: 1, title: 'Project Falcon budget' });
    });
  });

  describe('without a model', () => {
    let t: TestApp;
    let laptops: KnowledgeDocumentView;
    let staff: { token: string };

    beforeAll(async () => {
      t = await startTestApp();
      laptops = await upload(t, t.adminToken, 'Laptop policy', LAPTOPS);
      staff = await t.createUser();
    });
    afterAll(async () => {
      await t.close();
    });

    it('should answer with the best matching passage, quoted and cited, streamed like any reply', async () => {
      const { end } = await ask(t, staff.token, 'general', 'My laptop screen is broken, who repairs it?');
      expect(end.status).toBe('complete');
      expect(end.content).toMatch(/^No language model is configured on this server/);
      expect(end.content).toContain('**Laptop policy › Laptop policy › Replacement** [1]');
      expect(end.content).toContain('> Laptops are replaced every three years. A broken screen is repaired by the IT desk within two working days.');
      expect(end.metadata?.citations).toEqual([{ n: 1, documentId: laptops.id, title: 'Laptop policy', chunkId: expect.any(String), snippet: expect.any(String) }]);
    });

    it('should say so plainly when nothing matches', async () => {
      const { end } = await ask(t, staff.token, 'general', 'What is the capital of Mongolia?');
      expect(end.content).toBe(OFFLINE_NOTHING_FOUND);
      expect(end.metadata?.citations).toBeUndefined();
    });
  });
});
