import { UsePipes, Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { HttpValidationPipe } from '../common/validation.js';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiForbiddenResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { USER_DIRECTORY_MAX } from '@chat/contract';
import type { UserAdminView, UserDirectoryEntry } from '@chat/contract';
import { CurrentUser, Roles } from '../auth/auth.decorators.js';
import type { AuthUser } from '../auth/auth.types.js';
import { CreateUserDto, ResetPasswordDto, UpdateUserDto, UserAdminViewDto, UserDirectoryEntryDto, UserDirectoryQueryDto } from './users.dto.js';
import { UsersService } from './users.service.js';

/** For every signed-in person: room owners find whom to invite here (the full user list is admins'). */
@ApiTags('users')
@ApiBearerAuth()
@UsePipes(HttpValidationPipe)
@Controller('users')
export class UserDirectoryController {
  constructor(private readonly users: UsersService) {}

  @Get('directory')
  @ApiOkResponse({ type: [UserDirectoryEntryDto], description: 'Enabled people (no service accounts) by display name, optionally matching `q`' })
  directory(@Query() query: UserDirectoryQueryDto): Promise<UserDirectoryEntry[]> {
    return this.users.directory(query.q, query.limit ?? USER_DIRECTORY_MAX);
  }
}

@ApiTags('users')
@ApiBearerAuth()
@Roles('admin')
@UsePipes(HttpValidationPipe)
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @ApiCreatedResponse({ type: UserAdminViewDto })
  create(@CurrentUser() actor: AuthUser, @Body() dto: CreateUserDto): Promise<UserAdminView> {
    return this.users.create(dto, actor);
  }

  @Get()
  @ApiOkResponse({ type: [UserAdminViewDto] })
  list(): Promise<UserAdminView[]> {
    return this.users.list();
  }

  @Patch(':id')
  @ApiOkResponse({ type: UserAdminViewDto })
  @ApiForbiddenResponse({ description: 'Disabling your own account' })
  @ApiConflictResponse({ description: 'Demoting or disabling the last admin' })
  update(@CurrentUser() actor: AuthUser, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: UpdateUserDto): Promise<UserAdminView> {
    return this.users.update(actor, id, dto);
  }

  @Post(':id/password')
  @HttpCode(200)
  @ApiOkResponse({ type: UserAdminViewDto, description: 'The password is set; the user must change it at the next sign-in, and every session of theirs ends' })
  resetPassword(@CurrentUser() actor: AuthUser, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: ResetPasswordDto): Promise<UserAdminView> {
    return this.users.resetPassword(actor, id, dto.newPassword);
  }
}
