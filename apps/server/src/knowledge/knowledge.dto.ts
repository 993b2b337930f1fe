import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { plainToInstance, Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, validateSync } from 'class-validator';
import {
  KNOWLEDGE_CONTENT_TYPES,
  KNOWLEDGE_SEARCH_LIMIT_DEFAULT,
  KNOWLEDGE_SEARCH_LIMIT_MAX,
  KNOWLEDGE_TEXT_CONTENT_TYPES,
  KNOWLEDGE_TITLE_MAX_LENGTH,
  ROOM_ID_PATTERN,
} from '@chat/contract';
import type {
  CreateKnowledgeDocumentRequest,
  KnowledgeChunkView,
  KnowledgeContentType,
  KnowledgeDocumentDetail,
  KnowledgeDocumentView,
  KnowledgeSearchResponse,
  KnowledgeSearchResult,
  KnowledgeTextContentType,
} from '@chat/contract';
import { AppException } from '../common/app-exception.js';
import { flattenValidationErrors } from '../common/validation.js';

const ROOM_ID_MESSAGE = 'roomId must be a valid room id';
const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
/** HTML forms send an empty field for "none". */
const blankAsAbsent = ({ value }: { value: unknown }) => (typeof value === 'string' && value.trim() === '' ? undefined : trim({ value }));

export class CreateKnowledgeDocumentDto implements CreateKnowledgeDocumentRequest {
  @ApiProperty({ maxLength: KNOWLEDGE_TITLE_MAX_LENGTH, example: 'Remote work policy' })
  @Transform(trim)
  @IsString()
  @MinLength(1, { message: 'title must not be empty' })
  @MaxLength(KNOWLEDGE_TITLE_MAX_LENGTH)
  title: string;

  @ApiProperty({ description: 'The document text, at most KNOWLEDGE_MAX_UPLOAD_BYTES bytes of UTF-8' })
  @IsString()
  @Matches(/\S/, { message: 'content must not be empty' })
  content: string;

  @ApiPropertyOptional({ nullable: true, type: String, pattern: ROOM_ID_PATTERN.source, description: 'Omitted or null: a global document (admins only)' })
  @IsOptional()
  @IsString()
  @Matches(ROOM_ID_PATTERN, { message: ROOM_ID_MESSAGE })
  roomId?: string | null;

  @ApiPropertyOptional({ enum: KNOWLEDGE_TEXT_CONTENT_TYPES, default: 'text/markdown' })
  @IsOptional()
  @IsIn(KNOWLEDGE_TEXT_CONTENT_TYPES)
  contentType?: KnowledgeTextContentType;
}

/** The text fields of a multipart upload (the file itself is `file`). */
export class UploadKnowledgeFileDto {
  @Transform(blankAsAbsent)
  @IsOptional()
  @IsString()
  @MaxLength(KNOWLEDGE_TITLE_MAX_LENGTH)
  title?: string;

  @Transform(blankAsAbsent)
  @IsOptional()
  @IsString()
  @Matches(ROOM_ID_PATTERN, { message: ROOM_ID_MESSAGE })
  roomId?: string;
}

/** OpenAPI schema of the multipart form. */
export const MULTIPART_UPLOAD_SCHEMA = {
  type: 'object',
  required: ['file'],
  properties: {
    file: { type: 'string', format: 'binary', description: 'Plain text, Markdown, HTML or PDF, at most KNOWLEDGE_MAX_UPLOAD_BYTES' },
    title: { type: 'string', maxLength: KNOWLEDGE_TITLE_MAX_LENGTH, description: "Default: the document's own title (H1, <title>, PDF metadata), else the file name" },
    roomId: { type: 'string', pattern: ROOM_ID_PATTERN.source, description: 'Omitted: a global document (admins only)' },
  },
};

/** Validates a request body the way HttpValidationPipe does (unknown fields refused). */
export function validateBody<T extends object>(dto: new () => T, value: unknown): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw AppException.validation(['body must be an object']);
  const instance = plainToInstance(dto, value);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) throw AppException.validation(flattenValidationErrors(errors));
  return instance;
}

export class ListKnowledgeDocumentsQueryDto {
  @ApiPropertyOptional({ description: "Only this room's documents" })
  @IsOptional()
  @IsString()
  @Matches(ROOM_ID_PATTERN, { message: ROOM_ID_MESSAGE })
  roomId?: string;
}

export class KnowledgeSearchQueryDto {
  @ApiProperty({ description: 'The question, in natural language; quotes and -word work as in web search', example: 'Can I work from home?' })
  @IsString()
  @Matches(/\S/, { message: 'q must not be empty' })
  @MaxLength(1000)
  q: string;

  @ApiPropertyOptional({ description: "Search this room's documents as well as the global ones (default: global only)" })
  @IsOptional()
  @IsString()
  @Matches(ROOM_ID_PATTERN, { message: ROOM_ID_MESSAGE })
  roomId?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: KNOWLEDGE_SEARCH_LIMIT_MAX, default: KNOWLEDGE_SEARCH_LIMIT_DEFAULT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(KNOWLEDGE_SEARCH_LIMIT_MAX)
  limit?: number;
}

export class KnowledgeDocumentViewDto implements KnowledgeDocumentView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() title: string;
  @ApiProperty({ nullable: true, type: String }) filename: string | null;
  @ApiProperty({ enum: KNOWLEDGE_CONTENT_TYPES }) contentType: KnowledgeContentType;
  @ApiProperty({ nullable: true, type: String, description: 'Null: a global document' }) roomId: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) uploadedBy: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty() chunkCount: number;
  @ApiProperty() sizeBytes: number;
}

export class KnowledgeChunkViewDto implements KnowledgeChunkView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() ordinal: number;
  @ApiProperty({ type: [String], description: 'Headings above the chunk, outermost first' }) headingPath: string[];
  @ApiProperty() text: string;
}

export class KnowledgeDocumentDetailDto extends KnowledgeDocumentViewDto implements KnowledgeDocumentDetail {
  @ApiProperty({ type: [KnowledgeChunkViewDto] }) chunks: KnowledgeChunkViewDto[];
}

export class KnowledgeSearchResultDto implements KnowledgeSearchResult {
  @ApiProperty({ format: 'uuid' }) documentId: string;
  @ApiProperty() title: string;
  @ApiProperty({ format: 'uuid' }) chunkId: string;
  @ApiProperty({ description: 'The passages of the chunk that match best' }) snippet: string;
  @ApiProperty({ description: 'Relative to the best result of this answer (1), rounded; comparable only within one answer' }) score: number;
}

export class KnowledgeSearchResponseDto implements KnowledgeSearchResponse {
  @ApiProperty({ type: [KnowledgeSearchResultDto] }) results: KnowledgeSearchResultDto[];
}
