import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiForbiddenResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ApiKeyView, CreatedApiKey } from '@chat/contract';
import { CurrentUser, Roles } from '../auth/auth.decorators.js';
import type { AuthUser } from '../auth/auth.types.js';
import { HttpValidationPipe } from '../common/validation.js';
import { ApiKeyViewDto, CreateApiKeyDto, CreatedApiKeyDto } from './api-keys.dto.js';
import { ApiKeysService } from './api-keys.service.js';

/** Keys are managed by people (session tokens) only: a key cannot mint or list keys. */
@ApiTags('api-keys')
@ApiBearerAuth()
@UsePipes(HttpValidationPipe)
@Controller()
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post('api-keys')
  @ApiOperation({ summary: 'Create a key for yourself; the key is in this answer only' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiForbiddenResponse({ description: 'A scope or room beyond your own rights (admin:read needs an admin; private rooms need membership)' })
  create(@CurrentUser() user: AuthUser, @Body() dto: CreateApiKeyDto): Promise<CreatedApiKey> {
    return this.keys.createOwn(user, dto);
  }

  @Get('api-keys')
  @ApiOkResponse({ type: [ApiKeyViewDto], description: 'Your live keys (never the key itself)' })
  list(@CurrentUser() user: AuthUser): Promise<ApiKeyView[]> {
    return this.keys.listOwn(user);
  }

  @Delete('api-keys/:id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Revoked on every instance at once; its open sockets are dropped' })
  @ApiNotFoundResponse({ description: 'No such live key of yours (admins: of anyone)' })
  revoke(@CurrentUser() user: AuthUser, @Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.keys.revoke(user, id);
  }

  @Roles('admin')
  @Post('users/:userId/api-keys')
  @ApiOperation({ summary: 'Create a key for a service account (admins)' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiConflictResponse({ description: 'The user is not an enabled service account' })
  createForUser(@CurrentUser() admin: AuthUser, @Param('userId', new ParseUUIDPipe()) userId: string, @Body() dto: CreateApiKeyDto): Promise<CreatedApiKey> {
    return this.keys.createForServiceAccount(admin, userId, dto);
  }

  @Roles('admin')
  @Get('users/:userId/api-keys')
  @ApiOkResponse({ type: [ApiKeyViewDto] })
  listForUser(@Param('userId', new ParseUUIDPipe()) userId: string): Promise<ApiKeyView[]> {
    return this.keys.listForServiceAccount(userId);
  }
}
