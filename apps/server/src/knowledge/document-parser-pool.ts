import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { ErrorCode } from '@chat/contract';
import type { KnowledgeContentType } from '@chat/contract';
import { AppException } from '../common/app-exception.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import type { DraftChunk } from './chunker.js';
import type { ParseOutcome, ParseTask } from './parsing/parse-worker.js';

const COMPILED_WORKER = new URL('./parsing/parse-worker.js', import.meta.url);
const SOURCE_WORKER = new URL('./parsing/ts-worker-bootstrap.mjs', import.meta.url);

export interface ParsedUpload {
  title: string | null;
  drafts: DraftChunk[];
  canonical: string;
}

/**
 * Parses and chunks uploads in worker threads, never on the event loop: a pathological document
 * (deep nesting, a PDF that inflates) costs a worker, bounded by time and memory, and is refused
 * with 413; the chat keeps running meanwhile.
 */
@Injectable()
export class DocumentParserPool implements OnModuleDestroy {
  private readonly logger = new Logger(DocumentParserPool.name);
  private readonly pool: Piscina<ParseTask, ParseOutcome>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const { parseThreads, parseMemoryMb } = config.knowledge;
    this.pool = new Piscina({
      filename: fileURLToPath(existsSync(COMPILED_WORKER) ? COMPILED_WORKER : SOURCE_WORKER),
      minThreads: 0,
      maxThreads: parseThreads,
      // Uploads are rate-limited per user; this bounds what waits across all of them.
      maxQueue: parseThreads * 8,
      idleTimeout: 30_000,
      resourceLimits: { maxOldGenerationSizeMb: parseMemoryMb, maxYoungGenerationSizeMb: Math.min(64, Math.ceil(parseMemoryMb / 8)), stackSizeMb: 4 },
    });
  }

  async parse(contentType: KnowledgeContentType, bytes: Uint8Array): Promise<ParsedUpload> {
    const { knowledge } = this.config;
    const task: ParseTask = {
      contentType,
      bytes,
      chunkTokens: knowledge.chunkTokens,
      overlapTokens: knowledge.chunkOverlapTokens,
      maxTextChars: knowledge.maxUploadBytes * 4,
      // Content streams carry operators and positions besides the text: room for four times it.
      maxUnpackedBytes: knowledge.maxUploadBytes * 16,
    };
    let outcome: ParseOutcome;
    try {
      outcome = await this.pool.run(task, { signal: AbortSignal.timeout(knowledge.parseTimeoutMs) });
    } catch (error) {
      throw this.refusal(error);
    }
    if (outcome.ok) return outcome;
    if (outcome.kind === 'unsupported') throw new AppException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, outcome.message);
    throw new AppException(ErrorCode.PAYLOAD_TOO_LARGE, outcome.message);
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.close({ force: true });
  }

  private refusal(error: unknown): AppException {
    const failure = error as { name?: string; code?: string; message?: string };
    if (failure?.name === 'AbortError' || failure?.name === 'TimeoutError') {
      return new AppException(ErrorCode.PAYLOAD_TOO_LARGE, `The document takes longer than ${this.config.knowledge.parseTimeoutMs} ms to read`);
    }
    if (failure?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
      return new AppException(ErrorCode.PAYLOAD_TOO_LARGE, `The document needs more than ${this.config.knowledge.parseMemoryMb} MB to read`);
    }
    if (typeof failure?.message === 'string' && /queue is at limit/i.test(failure.message)) {
      return new AppException(ErrorCode.SERVICE_UNAVAILABLE, 'Too many uploads are being read; try again in a moment');
    }
    this.logger.error('Parsing an upload failed', error instanceof Error ? error.stack : String(error));
    return new AppException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'The document could not be read');
  }
}
