import { Controller, Get, Query, Req, Res, UsePipes } from '@nestjs/common';
import { ApiGoneResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { ChangesPage } from '@chat/contract';
import { KeyScope } from '../auth/api-key-scope.js';
import { CurrentUser } from '../auth/auth.decorators.js';
import type { AuthUser } from '../auth/auth.types.js';
import { HttpValidationPipe } from '../common/validation.js';
import { CallerReauthentication } from './caller-reauthentication.js';
import { ChangesPageDto, ChangesQueryDto, EventsQueryDto } from './changes.dto.js';
import { ChangesService } from './changes.service.js';

@ApiTags('changes')
@UsePipes(HttpValidationPipe)
@Controller()
export class ChangesController {
  constructor(
    private readonly changes: ChangesService,
    private readonly reauthentication: CallerReauthentication,
  ) {}

  @Get('changes')
  @KeyScope('messages:read')
  @ApiOperation({ summary: 'Message changes in every room you (or the key) may read, in a stable order; follow `next`' })
  @ApiOkResponse({ type: ChangesPageDto })
  @ApiGoneResponse({ description: 'CURSOR_EXPIRED: `since` is older than CHANGES_RETENTION_DAYS' })
  list(@CurrentUser() user: AuthUser, @Query() query: ChangesQueryDto): Promise<ChangesPage> {
    return this.changes.page(user, query.since, query.limit);
  }

  @Get('events')
  @KeyScope('messages:read')
  @ApiOperation({ summary: 'The same changes as Server-Sent Events (`id:` cursor, `event:` type, `data:` the change); resumable' })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this cursor (EventSource sends it on reconnect)' })
  @ApiOkResponse({ description: 'An endless text/event-stream; comment lines are heartbeats' })
  @ApiGoneResponse({ description: 'CURSOR_EXPIRED' })
  @ApiTooManyRequestsResponse({ description: 'More open streams than SOCKETS_PER_USER for this key or user on this instance' })
  async events(@CurrentUser() user: AuthUser, @Req() request: Request, @Res() response: Response, @Query() query: EventsQueryDto): Promise<void> {
    const lastEventId = request.header('last-event-id');
    const start = await this.changes.start(lastEventId?.trim() || query.since);
    await this.changes.stream(response, start, user, this.reauthentication.of(request));
  }
}
