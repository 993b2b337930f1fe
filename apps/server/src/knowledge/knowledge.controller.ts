import { KeyScope } from '../auth/api-key-scope.js';
import { RateLimit } from '../common/rate-limit.js';
import { Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, UseInterceptors, UsePipes, createParamDecorator, ExecutionContext } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiUnsupportedMediaTypeResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request } from 'express';
import type {} from 'multer';
import { ErrorCode } from '@chat/contract';
import type { KnowledgeDocumentDetail, KnowledgeDocumentView, KnowledgeSearchResponse } from '@chat/contract';
import { CurrentUser } from '../auth/auth.decorators.js';
import type { AuthUser } from '../auth/auth.types.js';
import { AppException } from '../common/app-exception.js';
import { HttpValidationPipe } from '../common/validation.js';
import {
  CreateKnowledgeDocumentDto,
  KnowledgeDocumentDetailDto,
  KnowledgeDocumentViewDto,
  KnowledgeSearchQueryDto,
  KnowledgeSearchResponseDto,
  ListKnowledgeDocumentsQueryDto,
  MULTIPART_UPLOAD_SCHEMA,
  UploadKnowledgeFileDto,
  validateBody,
} from './knowledge.dto.js';
import { KnowledgeService } from './knowledge.service.js';
import type { KnowledgeUpload } from './knowledge.service.js';

/**
 * The upload body, JSON or multipart, validated by its own DTO. A param decorator rather than a
 * pipe because which DTO applies depends on the request's type and on the file multer found.
 */
const UploadBody = createParamDecorator((_data: unknown, context: ExecutionContext): KnowledgeUpload => {
  const request = context.switchToHttp().getRequest<Request>();
  if (request.is('multipart/form-data')) {
    if (!request.file) throw AppException.validation(['file is required in a multipart upload']);
    const fields = validateBody(UploadKnowledgeFileDto, request.body ?? {});
    return { kind: 'file', file: request.file, title: fields.title ?? null, roomId: fields.roomId ?? null };
  }
  if (request.headers['content-type'] === undefined || request.is('application/json')) {
    const body = validateBody(CreateKnowledgeDocumentDto, request.body ?? {});
    return { kind: 'json', title: body.title, content: body.content, roomId: body.roomId ?? null, contentType: body.contentType ?? 'text/markdown' };
  }
  throw new AppException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'Send the document as application/json or as a multipart/form-data file');
});

@ApiTags('knowledge')
@ApiBearerAuth()
@UsePipes(HttpValidationPipe)
@Controller('knowledge')
export class KnowledgeController {
  constructor(private readonly knowledge: KnowledgeService) {}

  @RateLimit('rest', 'uploads')
  @KeyScope('knowledge:write')
  @Post('documents')
  @UseInterceptors(FileInterceptor('file'))
  @ApiOperation({
    summary: 'Add a document: global (admins) or to a room (its owner or an admin)',
    // One body per media type; @ApiBody would give both types the same schema.
    requestBody: {
      required: true,
      content: {
        'application/json': { schema: { $ref: getSchemaPath(CreateKnowledgeDocumentDto) } },
        'multipart/form-data': { schema: MULTIPART_UPLOAD_SCHEMA },
      },
    },
  })
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiExtraModels(CreateKnowledgeDocumentDto)
  @ApiCreatedResponse({ type: KnowledgeDocumentViewDto })
  @ApiForbiddenResponse({ description: 'A global document by a non-admin, or a room document by someone who does not own the room' })
  @ApiNotFoundResponse({ description: 'ROOM_NOT_FOUND' })
  @ApiConflictResponse({ description: "The same content is already in this scope; `details[0]` is that document's id" })
  @ApiPayloadTooLargeResponse({ description: 'Over KNOWLEDGE_MAX_UPLOAD_BYTES' })
  @ApiUnsupportedMediaTypeResponse({ description: 'Not plain text, Markdown, HTML or PDF (or not readable as what it claims to be)' })
  upload(@CurrentUser() user: AuthUser, @UploadBody() upload: KnowledgeUpload): Promise<KnowledgeDocumentView> {
    return this.knowledge.upload(user, upload);
  }

  @KeyScope('knowledge:read')
  @Get('documents')
  @ApiOperation({ summary: 'Global documents and those of the rooms you may enter (admins: all)' })
  @ApiOkResponse({ type: [KnowledgeDocumentViewDto], description: 'Newest first' })
  list(@CurrentUser() user: AuthUser, @Query() query: ListKnowledgeDocumentsQueryDto): Promise<KnowledgeDocumentView[]> {
    return this.knowledge.list(user, query.roomId);
  }

  @KeyScope('knowledge:read')
  @Get('documents/:id')
  @ApiOkResponse({ type: KnowledgeDocumentDetailDto, description: 'With its chunks in order' })
  @ApiNotFoundResponse({ description: 'No such document, or one in a room you cannot enter' })
  get(@CurrentUser() user: AuthUser, @Param('id', new ParseUUIDPipe()) id: string): Promise<KnowledgeDocumentDetail> {
    return this.knowledge.get(user, id);
  }

  @KeyScope('knowledge:write')
  @Delete('documents/:id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted with its chunks' })
  @ApiForbiddenResponse({ description: 'Same rule as uploading' })
  @ApiNotFoundResponse()
  remove(@CurrentUser() user: AuthUser, @Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.knowledge.remove(user, id);
  }

  @KeyScope('knowledge:read')
  @Get('search')
  @ApiOperation({ summary: "Search the global documents, and a room's when roomId is given (you must be able to enter it)" })
  @ApiOkResponse({ type: KnowledgeSearchResponseDto })
  @ApiForbiddenResponse({ description: 'A private room you are not in' })
  @ApiNotFoundResponse({ description: 'ROOM_NOT_FOUND' })
  search(@CurrentUser() user: AuthUser, @Query() query: KnowledgeSearchQueryDto): Promise<KnowledgeSearchResponse> {
    return this.knowledge.search(user, query);
  }
}
