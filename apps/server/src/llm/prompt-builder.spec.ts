import { countTokens } from 'gpt-tokenizer';
import type { ChatMessage, MessageStatus } from '@chat/contract';
import { buildPrompt, DEFAULT_SYSTEM_PROMPT } from './prompt-builder.js';

let seq = 0;
function message(displayName: string, content: string, extra: { isAi?: boolean; status?: MessageStatus; id?: string } = {}): ChatMessage {
  seq++;
  return {
    id: extra.id ?? `m-${seq}`,
    roomId: 'room',
    seq,
    userId: extra.isAi ? null : `u-${displayName}`,
    username: displayName.toLowerCase(),
    displayName,
    content,
    timestamp: new Date(0).toISOString(),
    isAi: extra.isAi ?? false,
    status: extra.status ?? 'complete',
  };
}

const BIG = 1_000_000;
/** 60 words: with its "BOB: " label, 65 tokens (checked below). */
const long = (tag: string) => `${tag} ${'alpha '.repeat(60).trim()}`;

describe('buildPrompt', () => {
  it('should use the room system prompt (trimmed), or the default when it is missing or blank', () => {
    const question = message('ALICE', 'hi?');
    const system = (systemPrompt: string | null) => buildPrompt({ systemPrompt, history: [], question, contextTokens: BIG }).messages[0];
    expect(system('  Be brief.  ')).toEqual({ role: 'system', content: 'Be brief.' });
    expect(system(null)).toEqual({ role: 'system', content: DEFAULT_SYSTEM_PROMPT });
    expect(system('   ')).toEqual({ role: 'system', content: DEFAULT_SYSTEM_PROMPT });
    expect(DEFAULT_SYSTEM_PROMPT.length).toBeGreaterThan(20);
  });

  it('should label people by display name, make earlier replies assistant turns, keep order and end with the question', () => {
    const history = [message('ALICE', 'Deploy is at 5.'), message('AI Assistant', 'Noted: 5 pm.', { isAi: true }), message('BOB', 'Which region?')];
    const question = message('CAROL', '@ai when is the deploy?');
    const prompt = buildPrompt({ systemPrompt: 'Be brief.', history: [...history, question], question, contextTokens: BIG });
    expect(prompt.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'ALICE: Deploy is at 5.' },
      { role: 'assistant', content: 'Noted: 5 pm.' },
      { role: 'user', content: 'BOB: Which region?' },
      { role: 'user', content: 'CAROL: @ai when is the deploy?' },
    ]);
    expect(prompt.historyUsed).toBe(3);
    expect(prompt.historyDropped).toBe(0);
  });

  it('should leave out unfinished, failed or cancelled replies and empty messages', () => {
    const history = [
      message('ALICE', 'first'),
      message('AI Assistant', 'half an ans', { isAi: true, status: 'cancelled' }),
      message('AI Assistant', '⚠️ The model provider failed', { isAi: true, status: 'error' }),
      message('AI Assistant', '', { isAi: true, status: 'streaming' }),
      message('BOB', '   '),
      message('AI Assistant', 'a whole answer', { isAi: true }),
    ];
    const question = message('ALICE', 'and?');
    const prompt = buildPrompt({ systemPrompt: 'S', history, question, contextTokens: BIG });
    expect(prompt.messages.map((m) => m.content)).toEqual(['S', 'ALICE: first', 'a whole answer', 'ALICE: and?']);
  });

  it('should keep the newest whole messages that fit the budget and drop the oldest first', () => {
    const history = [1, 2, 3, 4, 5, 6].map((i) => message('BOB', long(`m${i}`)));
    for (const m of history) expect(countTokens(`BOB: ${m.content}`)).toBe(65);
    const question = message('ALICE', 'what now?');
    // 3 (system) + 6 (question) + 3 × 65 fits 256 with any per-turn framing up to 6 tokens; a fourth never does.
    const prompt = buildPrompt({ systemPrompt: 'Be brief.', history, question, contextTokens: 256 });

    expect(prompt.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      ...history.slice(3).map((m) => ({ role: 'user', content: `BOB: ${m.content}` })),
      { role: 'user', content: 'ALICE: what now?' },
    ]);
    expect(prompt.historyUsed).toBe(3);
    expect(prompt.historyDropped).toBe(3);
    const textTokens = prompt.messages.reduce((sum, m) => sum + countTokens(m.content), 0);
    expect(prompt.promptTokens).toBeGreaterThanOrEqual(textTokens);
    expect(prompt.promptTokens).toBeLessThanOrEqual(256);
  });

  it('should not skip a message that does not fit to take an older one that would', () => {
    const tiny = message('BOB', 'ok');
    const huge = message('BOB', 'alpha '.repeat(400));
    const recent = message('BOB', 'latest');
    const question = message('ALICE', 'so?');
    const prompt = buildPrompt({ systemPrompt: 'S', history: [tiny, huge, recent], question, contextTokens: 256 });
    expect(prompt.messages.map((m) => m.content)).toEqual(['S', 'BOB: latest', 'ALICE: so?']);
    expect(prompt.historyDropped).toBe(2);
  });

  it('should still send the system prompt and the question when no history fits', () => {
    const history = [message('BOB', 'alpha '.repeat(300))];
    const question = message('ALICE', 'hello?');
    const prompt = buildPrompt({ systemPrompt: 'S', history, question, contextTokens: 256 });
    expect(prompt.messages).toEqual([
      { role: 'system', content: 'S' },
      { role: 'user', content: 'ALICE: hello?' },
    ]);
    expect(prompt.historyUsed).toBe(0);
    expect(prompt.historyDropped).toBe(1);
  });

  it('should never put the question in twice, even when the history already holds it', () => {
    const question = message('ALICE', 'once', { id: 'q-1' });
    const prompt = buildPrompt({ systemPrompt: 'S', history: [message('BOB', 'before'), question], question, contextTokens: BIG });
    expect(prompt.messages.map((m) => m.content)).toEqual(['S', 'BOB: before', 'ALICE: once']);
  });
});
