import { Logger } from '@nestjs/common';
import OpenAI from 'openai';
import type { AppConfig } from '../config/app-config.js';

/** Turns texts into vectors; `model` null means embeddings are not configured. */
export abstract class EmbeddingsClient {
  abstract readonly model: string | null;
  abstract embed(texts: string[]): Promise<number[][]>;
}

export class NoEmbeddings extends EmbeddingsClient {
  readonly model = null;
  async embed(): Promise<number[][]> {
    throw new Error('No embeddings model is configured');
  }
}

const BATCH = 64;

/** EMBEDDINGS_MODEL on the assistant's OpenAI-compatible endpoint (OPENAI_BASE_URL, OPENAI_API_KEY). */
export class OpenAiEmbeddings extends EmbeddingsClient {
  private readonly logger = new Logger(OpenAiEmbeddings.name);
  private readonly client: OpenAI;

  constructor(
    readonly model: string,
    config: AppConfig['llm'],
  ) {
    super();
    this.client = new OpenAI({ apiKey: config.apiKey ?? 'not-needed', baseURL: config.baseUrl ?? undefined, maxRetries: config.maxRetries, timeout: config.timeoutMs });
  }

  async embed(texts: string[]): Promise<number[][]> {
    const vectors: number[][] = [];
    for (let i = 0; i < texts.length; i += BATCH) {
      const batch = texts.slice(i, i + BATCH);
      const response = await this.client.embeddings.create({ model: this.model, input: batch, encoding_format: 'float' });
      const ordered = [...response.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
      if (ordered.length !== batch.length) throw new Error(`The embeddings endpoint returned ${ordered.length} vectors for ${batch.length} texts`);
      vectors.push(...ordered);
    }
    this.logger.debug(`Embedded ${texts.length} text(s) with ${this.model}`);
    return vectors;
  }
}

export function createEmbeddingsClient(config: AppConfig): EmbeddingsClient {
  return config.knowledge.embeddingsModel ? new OpenAiEmbeddings(config.knowledge.embeddingsModel, config.llm) : new NoEmbeddings();
}
