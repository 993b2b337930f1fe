import { LlmChunk, LlmProvider, LlmRequest } from './llm-provider.js';
import { PromptSource, sourceHeading } from './prompt-builder.js';

const HOW_TO_CONNECT =
  'An administrator can connect one by setting OPENAI_BASE_URL (and OPENAI_API_KEY if the endpoint needs it) ' +
  'to any OpenAI-compatible service, such as OpenAI, Azure OpenAI, Ollama, vLLM or LM Studio.';

export const OFFLINE_NOTHING_FOUND =
  'No language model is configured on this server, and nothing in the company\'s documents matches your question. ' +
  HOW_TO_CONNECT;

const QUOTED_SOURCES = 3;
const QUOTE_CHARS = 600;

function quote(text: string): string {
  const trimmed = text.trim().replace(/\s+\n/g, '\n');
  const cut = trimmed.length > QUOTE_CHARS ? `${trimmed.slice(0, QUOTE_CHARS).replace(/\s+\S*$/, '')} …` : trimmed;
  return cut
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
}

/** With no model, the answer is the best matching passages, quoted and cited; or a plain "nothing found". */
export function offlineAnswer(sources: PromptSource[] | undefined): string {
  if (!sources || sources.length === 0) return OFFLINE_NOTHING_FOUND;
  const passages = sources
    .slice(0, QUOTED_SOURCES)
    .map((source) => `**${sourceHeading(source)}** [${source.n}]\n\n${quote(source.text)}`)
    .join('\n\n');
  return `No language model is configured on this server, so I cannot write an answer, but these passages from the company's documents look relevant:\n\n${passages}`;
}

const WORD_DELAY_MS = 12;

/** What answers when no model is configured: it says so plainly and never pretends to be a model. */
export class OfflineProvider extends LlmProvider {
  readonly name = 'offline';
  readonly model = 'offline';

  async *stream({ signal, sources }: LlmRequest): AsyncIterable<LlmChunk> {
    // Streamed like any reply, so the console treats it the same way.
    for (const word of offlineAnswer(sources).split(/(?<=\s)/)) {
      if (signal.aborted) throw signal.reason;
      await new Promise((resolve) => setTimeout(resolve, WORD_DELAY_MS));
      yield { type: 'delta', text: word };
    }
  }
}
