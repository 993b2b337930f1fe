import type { AuditActorRef } from '@chat/contract';
import { AuditService } from '../audit/audit.service.js';
import { Metrics } from '../metrics/metrics.service.js';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { basename, extname } from 'node:path';
import { DataSource, IsNull, Repository } from 'typeorm';
import { ErrorCode, KNOWLEDGE_SEARCH_LIMIT_DEFAULT, KNOWLEDGE_TITLE_MAX_LENGTH } from '@chat/contract';
import type {
  KnowledgeContentType,
  KnowledgeDocumentDetail,
  KnowledgeDocumentView,
  KnowledgeSearchResponse,
  KnowledgeTextContentType,
} from '@chat/contract';
import type { AuthUser } from '../auth/auth.types.js';
import { AppException } from '../common/app-exception.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { RoomsRepository } from '../rooms/rooms.repository.js';
import { RoomsService } from '../rooms/rooms.service.js';
import { KnowledgeIndex, RetrievedChunk } from './knowledge-index.js';
import { KnowledgeChunkEntity, KnowledgeDocumentEntity } from './knowledge.entity.js';
import { DocumentParserPool } from './document-parser-pool.js';
import { detectContentType } from './parsing/document-reader.js';
import { isUniqueViolation } from '../database/postgres-errors.js';

/** What the controller hands over: a JSON body, or a multipart file with its fields. */
export type KnowledgeUpload =
  | { kind: 'json'; title: string; content: string; roomId: string | null; contentType: KnowledgeTextContentType }
  | { kind: 'file'; file: { originalname: string; mimetype: string; buffer: Buffer }; title: string | null; roomId: string | null };

/** A document to store, whoever sent it (the REST upload after its checks, or the evaluation loader). */
export interface IngestRequest {
  title: string | null;
  filename: string | null;
  contentType: KnowledgeContentType;
  bytes: Uint8Array;
  roomId: string | null;
  uploadedBy: string | null;
  /** Who the audit log names; default: the server itself (imports, the evaluation). */
  actor?: AuditActorRef;
}

function toView(document: KnowledgeDocumentEntity): KnowledgeDocumentView {
  return {
    id: document.id,
    title: document.title,
    filename: document.filename,
    contentType: document.contentType,
    roomId: document.roomId,
    uploadedBy: document.uploadedBy,
    createdAt: document.createdAt.toISOString(),
    chunkCount: document.chunkCount,
    sizeBytes: document.sizeBytes,
  };
}

/** A file's name without its folder (some clients send a path) and within the column's length. */
function cleanFilename(name: string): string | null {
  const base = basename(name.replace(/\\/g, '/')).trim();
  return base ? base.slice(-255) : null;
}

/**
 * The knowledge base: who may add, see and remove documents, and the upload pipeline (read → chunk
 * → de-duplicate → embed → store). Searching is KnowledgeIndex's; `retrieve` is the assistant's way in.
 */
@Injectable()
export class KnowledgeService {
  private readonly logger = new Logger(KnowledgeService.name);

  constructor(
    @InjectRepository(KnowledgeDocumentEntity) private readonly documents: Repository<KnowledgeDocumentEntity>,
    @InjectRepository(KnowledgeChunkEntity) private readonly chunks: Repository<KnowledgeChunkEntity>,
    private readonly dataSource: DataSource,
    private readonly rooms: RoomsService,
    private readonly roomAccess: RoomsRepository,
    private readonly index: KnowledgeIndex,
    private readonly audit: AuditService,
    private readonly metrics: Metrics,
    private readonly parser: DocumentParserPool,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async upload(user: AuthUser, upload: KnowledgeUpload): Promise<KnowledgeDocumentView> {
    await this.requireManager(user, upload.roomId);
    if (upload.kind === 'json') {
      const bytes = Buffer.from(upload.content, 'utf8');
      this.requireWithinLimit(bytes.length);
      return this.ingest({ title: upload.title, filename: null, contentType: upload.contentType, bytes, roomId: upload.roomId, uploadedBy: user.id, actor: user });
    }
    const { file } = upload;
    // Multer enforces the limit while receiving; this covers a file that got here another way.
    this.requireWithinLimit(file.buffer.length);
    const contentType = detectContentType(file.mimetype, file.originalname);
    if (!contentType) {
      throw new AppException(
        ErrorCode.UNSUPPORTED_MEDIA_TYPE,
        `Cannot read "${file.originalname}" (${file.mimetype || 'no type'}): upload plain text, Markdown, HTML or PDF`,
      );
    }
    return this.ingest({
      title: upload.title,
      filename: cleanFilename(file.originalname),
      contentType,
      bytes: file.buffer,
      roomId: upload.roomId,
      uploadedBy: user.id,
      actor: user,
    });
  }

  /**
   * Stores a document. The same text (after extraction, whitespace aside) in the same scope is
   * refused with 409 CONFLICT naming the existing document, rather than silently returned: the
   * uploader may have meant a different file, and a second title for the same text would only split
   * its citations.
   */
  async ingest(request: IngestRequest): Promise<KnowledgeDocumentView> {
    const parsed = await this.parser.parse(request.contentType, request.bytes);
    const title = (request.title?.trim() || parsed.title || (request.filename ? basename(request.filename, extname(request.filename)) : '') || 'Untitled')
      .slice(0, KNOWLEDGE_TITLE_MAX_LENGTH)
      .trim();
    const drafts = parsed.drafts;
    if (drafts.length === 0) throw AppException.validation(['The document has no readable text']);
    const checksum = createHash('sha256').update(parsed.canonical).digest('hex');
    await this.refuseDuplicate(request.roomId, checksum);

    const embeddings = await this.index.embedChunks(title, drafts);
    try {
      const id = await this.dataSource.transaction(async (manager) => {
        const inserted = await manager.getRepository(KnowledgeDocumentEntity).insert({
          roomId: request.roomId,
          title,
          filename: request.filename,
          contentType: request.contentType,
          checksum,
          sizeBytes: request.bytes.length,
          language: this.index.language,
          uploadedBy: request.uploadedBy,
          chunkCount: drafts.length,
        });
        const documentId = (inserted.identifiers[0] as { id: string }).id;
        await this.index.insertChunks(manager, documentId, title, drafts, embeddings);
        await this.audit.record(manager, {
          action: 'knowledge.uploaded',
          actor: request.actor ?? null,
          target: { type: 'knowledge_document', id: documentId },
          roomId: request.roomId,
          details: { title, filename: request.filename, contentType: request.contentType, sizeBytes: request.bytes.length, chunkCount: drafts.length },
        });
        return documentId;
      });
      this.logger.log(`Stored document ${id} (${request.contentType}, ${drafts.length} chunks) in ${request.roomId ? `room ${request.roomId}` : 'the global scope'}`);
      return toView(await this.documents.findOneByOrFail({ id }));
    } catch (error) {
      // Two identical uploads at once: the unique index lets one through.
      if (isUniqueViolation(error)) await this.refuseDuplicate(request.roomId, checksum);
      throw error;
    }
  }

  async list(user: AuthUser, roomId?: string): Promise<KnowledgeDocumentView[]> {
    const query = this.documents.createQueryBuilder('d').orderBy('d.created_at', 'DESC').addOrderBy('d.id', 'ASC');
    if (roomId !== undefined) {
      await this.rooms.access(user, roomId);
      query.where('d.room_id = :roomId', { roomId });
    } else {
      // Global documents, and those of every room the user may enter.
      const visible = this.roomAccess.roomIdVisibleTo(user, 'd.room_id');
      query.where(visible.condition, visible.parameters);
    }
    return (await query.getMany()).map(toView);
  }

  async get(user: AuthUser, id: string): Promise<KnowledgeDocumentDetail> {
    const document = await this.visibleDocument(user, id);
    const chunks = await this.chunks.find({ where: { documentId: id }, order: { ordinal: 'ASC' } });
    return { ...toView(document), chunks: chunks.map((c) => ({ id: c.id, ordinal: c.ordinal, headingPath: c.headingPath, text: c.content })) };
  }

  async remove(user: AuthUser, id: string): Promise<void> {
    const document = await this.visibleDocument(user, id);
    await this.requireManager(user, document.roomId);
    // Chunks go with it (ON DELETE CASCADE).
    await this.dataSource.transaction(async (manager) => {
      await manager.getRepository(KnowledgeDocumentEntity).delete({ id });
      await this.audit.record(manager, {
        action: 'knowledge.deleted',
        actor: user,
        target: { type: 'knowledge_document', id },
        roomId: document.roomId,
        details: { title: document.title },
      });
    });
    this.logger.log(`Deleted document ${id}`);
  }

  /** Search as a user: a room's documents only for someone who may enter the room. */
  async search(user: AuthUser, query: { q: string; roomId?: string; limit?: number }): Promise<KnowledgeSearchResponse> {
    if (query.roomId !== undefined) await this.rooms.access(user, query.roomId);
    const chunks = await this.retrieve(query.roomId ?? null, query.q, query.limit ?? KNOWLEDGE_SEARCH_LIMIT_DEFAULT);
    // Scores go out relative to the best one, rounded: the order and the gaps, not the raw statistics.
    const best = chunks[0]?.score || 1;
    return {
      results: chunks.map((c) => ({ documentId: c.documentId, title: c.title, chunkId: c.chunkId, snippet: c.snippet, score: Math.round((c.score / best) * 1000) / 1000 })),
    };
  }

  /**
   * For the assistant: the best chunks for a question asked in `roomId` (null: outside any room),
   * from that room's documents and the global ones, never another room's. No access check: the
   * caller answers on behalf of the room's members.
   */
  async retrieve(roomId: string | null, question: string, limit: number): Promise<RetrievedChunk[]> {
    const timer = this.metrics.knowledgeSearch.startTimer();
    try {
      return await this.index.search(roomId, question, limit);
    } finally {
      timer();
    }
  }

  /** Global documents are admins'; a room's are its owner's and admins'. 404/403 for a room the user cannot enter. */
  private async requireManager(user: AuthUser, roomId: string | null): Promise<void> {
    if (roomId === null) {
      if (user.role !== 'admin') throw AppException.forbidden('Only admins can manage global documents');
      return;
    }
    const { myRole } = await this.rooms.access(user, roomId);
    if (user.role !== 'admin' && myRole !== 'owner') throw AppException.forbidden("Only the room's owner or an admin can manage its documents");
  }

  private requireWithinLimit(bytes: number): void {
    const max = this.config.knowledge.maxUploadBytes;
    if (bytes > max) throw new AppException(ErrorCode.PAYLOAD_TOO_LARGE, `The document is ${bytes} bytes; the limit is ${max} (KNOWLEDGE_MAX_UPLOAD_BYTES)`);
  }

  private async refuseDuplicate(roomId: string | null, checksum: string): Promise<void> {
    const existing = await this.documents.findOneBy({ roomId: roomId ?? IsNull(), checksum });
    if (existing) {
      throw new AppException(ErrorCode.CONFLICT, `The same content is already stored here as "${existing.title}" (${existing.id})`, { details: [existing.id] });
    }
  }

  /** A document the user may see; one in a room they cannot enter is "not found", not "forbidden". */
  private async visibleDocument(user: AuthUser, id: string): Promise<KnowledgeDocumentEntity> {
    const document = await this.documents.findOneBy({ id });
    const notFound = new AppException(ErrorCode.NOT_FOUND, `Document "${id}" not found`);
    if (!document) throw notFound;
    if (document.roomId !== null) {
      try {
        await this.rooms.access(user, document.roomId);
      } catch (error) {
        if (error instanceof AppException && error.code === ErrorCode.FORBIDDEN) throw notFound;
        throw error;
      }
    }
    return document;
  }
}
