import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, UsePipes } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiBearerAuth, ApiCreatedResponse, ApiForbiddenResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { CreatedWebhook, WebhookDeliveryView, WebhookView } from '@chat/contract';
import { CurrentUser } from '../auth/auth.decorators.js';
import type { AuthUser } from '../auth/auth.types.js';
import { HttpValidationPipe } from '../common/validation.js';
import { CreatedWebhookDto, CreateWebhookDto, DeliveriesQueryDto, UpdateWebhookDto, WebhookDeliveryViewDto, WebhookViewDto } from './webhooks.dto.js';
import { WebhooksService } from './webhooks.service.js';

/** Managed by people only (API keys are refused: no key scope covers hooks). */
@ApiTags('webhooks')
@ApiBearerAuth()
@UsePipes(HttpValidationPipe)
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiOperation({ summary: 'Subscribe a URL to events (admins: any room or all; room owners: their room)' })
  @ApiCreatedResponse({ type: CreatedWebhookDto })
  @ApiBadRequestResponse({ description: 'Bad events, or a URL that is not https, carries credentials, does not resolve, or resolves to a private address' })
  @ApiForbiddenResponse({ description: 'A global hook without the admin role, or a room you do not own' })
  create(@CurrentUser() user: AuthUser, @Body() dto: CreateWebhookDto): Promise<CreatedWebhook> {
    return this.webhooks.create(user, dto);
  }

  @Get()
  @ApiOkResponse({ type: [WebhookViewDto], description: 'Yours (admins: all)' })
  list(@CurrentUser() user: AuthUser): Promise<WebhookView[]> {
    return this.webhooks.list(user);
  }

  @Get(':id')
  @ApiOkResponse({ type: WebhookViewDto })
  @ApiNotFoundResponse()
  get(@CurrentUser() user: AuthUser, @Param('id', new ParseUUIDPipe()) id: string): Promise<WebhookView> {
    return this.webhooks.get(user, id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: WebhookViewDto })
  update(@CurrentUser() user: AuthUser, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: UpdateWebhookDto): Promise<WebhookView> {
    return this.webhooks.update(user, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted with its queued deliveries' })
  remove(@CurrentUser() user: AuthUser, @Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.webhooks.remove(user, id);
  }

  @Post(':id/test')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: WebhookDeliveryViewDto, description: 'A webhook.test delivery, queued' })
  test(@CurrentUser() user: AuthUser, @Param('id', new ParseUUIDPipe()) id: string): Promise<WebhookDeliveryView> {
    return this.webhooks.test(user, id);
  }

  @Get(':id/deliveries')
  @ApiOkResponse({ type: [WebhookDeliveryViewDto], description: 'Newest first, each with its attempts (status code, duration, error)' })
  deliveries(@CurrentUser() user: AuthUser, @Param('id', new ParseUUIDPipe()) id: string, @Query() query: DeliveriesQueryDto): Promise<WebhookDeliveryView[]> {
    return this.webhooks.deliveries(user, id, query.limit);
  }
}
