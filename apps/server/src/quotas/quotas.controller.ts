import { KeyScope } from '../auth/api-key-scope.js';
import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Put, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsIn, IsInt, Max, Min, ValidateIf } from 'class-validator';
import { TOKEN_BUDGET_MAX, USER_ROLES } from '@chat/contract';
import type { QuotasView, RoleQuota, TokenBudget, UserQuota, UserRole } from '@chat/contract';
import { CurrentUser, Roles } from '../auth/auth.decorators.js';
import type { AuthUser } from '../auth/auth.types.js';
import { HttpValidationPipe } from '../common/validation.js';
import { QuotasService } from './quotas.service.js';

/** Both fields are required; `null` is unlimited (so a missing field is an error, not "unlimited" by accident). */
class TokenBudgetDto implements TokenBudget {
  @ApiProperty({ nullable: true, type: Number, description: 'Prompt + completion tokens per UTC day; null: unlimited' })
  @ValidateIf((budget: TokenBudgetDto) => budget.dailyTokens !== null)
  @IsInt()
  @Min(0)
  @Max(TOKEN_BUDGET_MAX)
  dailyTokens: number | null;

  @ApiProperty({ nullable: true, type: Number, description: 'Prompt + completion tokens per UTC month; null: unlimited' })
  @ValidateIf((budget: TokenBudgetDto) => budget.monthlyTokens !== null)
  @IsInt()
  @Min(0)
  @Max(TOKEN_BUDGET_MAX)
  monthlyTokens: number | null;
}

class RoleQuotaDto extends TokenBudgetDto implements RoleQuota {
  @ApiProperty({ enum: USER_ROLES }) role: UserRole;
}

class UserQuotaDto extends TokenBudgetDto implements UserQuota {
  @ApiProperty() userId: string;
  @ApiProperty() username: string;
  @ApiProperty() displayName: string;
}

class QuotasViewDto implements QuotasView {
  @ApiProperty({ type: [RoleQuotaDto] }) roles: RoleQuotaDto[];
  @ApiProperty({ type: [UserQuotaDto], description: 'Users with a budget of their own, which wins over their role\'s' }) users: UserQuotaDto[];
}

class RoleParamDto {
  @IsIn(USER_ROLES)
  role: UserRole;
}

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@UsePipes(HttpValidationPipe)
@Controller('admin/quotas')
export class QuotasController {
  constructor(private readonly quotas: QuotasService) {}

  @KeyScope('admin:read')
  @Get()
  @ApiOkResponse({ type: QuotasViewDto })
  list(): Promise<QuotasView> {
    return this.quotas.view();
  }

  @Put('roles/:role')
  @ApiOkResponse({ type: RoleQuotaDto })
  putRole(@CurrentUser() actor: AuthUser, @Param() { role }: RoleParamDto, @Body() budget: TokenBudgetDto): Promise<RoleQuota> {
    return this.quotas.putRole(actor, role, budget);
  }

  @Put('users/:userId')
  @ApiOkResponse({ type: UserQuotaDto })
  putUser(@CurrentUser() actor: AuthUser, @Param('userId', new ParseUUIDPipe()) userId: string, @Body() budget: TokenBudgetDto): Promise<UserQuota> {
    return this.quotas.putUser(actor, userId, budget);
  }

  @Delete('users/:userId')
  @HttpCode(204)
  @ApiNoContentResponse({ description: "The user goes back to their role's budget" })
  removeUser(@CurrentUser() actor: AuthUser, @Param('userId', new ParseUUIDPipe()) userId: string): Promise<void> {
    return this.quotas.removeUser(actor, userId);
  }
}
