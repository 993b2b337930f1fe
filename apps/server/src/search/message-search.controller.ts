import { Controller, Get, Query, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { MessageSearchResponse } from '@chat/contract';
import { CurrentUser } from '../auth/auth.decorators.js';
import type { AuthUser } from '../auth/auth.types.js';
import { RateLimit } from '../common/rate-limit.js';
import { HttpValidationPipe } from '../common/validation.js';
import { MessageSearchQueryDto, MessageSearchResponseDto } from './message-search.dto.js';
import { MessageSearchService } from './message-search.service.js';

@ApiTags('search')
@ApiBearerAuth()
@UsePipes(HttpValidationPipe)
@Controller('search')
export class MessageSearchController {
  constructor(private readonly search: MessageSearchService) {}

  @Get('messages')
  @RateLimit('search')
  @ApiOkResponse({ type: MessageSearchResponseDto, description: 'Full-text hits in the rooms you may read, newest first; deleted messages are never found' })
  messages(@CurrentUser() user: AuthUser, @Query() query: MessageSearchQueryDto): Promise<MessageSearchResponse> {
    return this.search.search(user, query);
  }
}
