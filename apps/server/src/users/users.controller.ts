import { UsePipes, Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { HttpValidationPipe } from '../common/validation.js';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { UserAdminView } from '@chat/contract';
import { CurrentUser, Roles } from '../auth/auth.decorators.js';
import type { AuthUser } from '../auth/auth.types.js';
import { CreateUserDto, UpdateUserDto, UserAdminViewDto } from './users.dto.js';
import { UsersService } from './users.service.js';

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
  update(@CurrentUser() actor: AuthUser, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: UpdateUserDto): Promise<UserAdminView> {
    return this.users.update(id, dto, actor);
  }
}
