import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import { NOT_BLANK } from '../common/validation.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, USER_DIRECTORY_MAX } from '@chat/contract';
import type { ChangePasswordRequest, CreateUserRequest, MeResponse, QuotaStatus, QuotaWindow, ResetPasswordRequest, UpdateUserRequest, UserAdminView, UserDirectoryEntry, UserRole, UserView } from '@chat/contract';

const ROLES: UserRole[] = ['admin', 'staff', 'service'];
/** A person's role can change; a service account stays one (it has no password to sign in with). */
const PERSON_ROLES: UserRole[] = ['admin', 'staff'];

export class CreateUserDto implements CreateUserRequest {
  @ApiProperty({ example: 'alice', pattern: '^[a-zA-Z0-9_.-]{3,64}$' })
  @IsString()
  @Matches(/^[a-zA-Z0-9_.-]{3,64}$/, { message: 'username must be 3-64 letters, digits, dots, dashes or underscores' })
  username: string;

  @ApiPropertyOptional({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH, description: 'Required, except for role `service` (which must have none)' })
  @ValidateIf((dto: CreateUserDto) => dto.role !== 'service')
  @IsString()
  @MinLength(PASSWORD_MIN_LENGTH)
  @MaxLength(PASSWORD_MAX_LENGTH)
  password?: string;

  @ApiProperty({ example: 'Alice Martin' })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  @Matches(NOT_BLANK, { message: 'displayName must not be blank' })
  displayName: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role: UserRole;
}

const PASSWORD_RULE = `At least ${PASSWORD_MIN_LENGTH} characters, not the username, not a common password`;

export class ResetPasswordDto implements ResetPasswordRequest {
  @ApiProperty({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH, description: PASSWORD_RULE })
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  newPassword: string;
}

export class ChangePasswordDto implements ChangePasswordRequest {
  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(PASSWORD_MAX_LENGTH)
  currentPassword: string;

  @ApiProperty({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH, description: PASSWORD_RULE })
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  newPassword: string;
}

export class UpdateUserDto implements UpdateUserRequest {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  @Matches(NOT_BLANK, { message: 'displayName must not be blank' })
  displayName?: string;

  @ApiPropertyOptional({ enum: PERSON_ROLES })
  @IsOptional()
  @IsIn(PERSON_ROLES)
  role?: UserRole;

  @ApiPropertyOptional({ description: 'A disabled user cannot log in and is disconnected at once.' })
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;
}

export class UserViewDto implements UserView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() username: string;
  @ApiProperty() displayName: string;
  @ApiProperty({ enum: ROLES }) role: UserRole;
  @ApiPropertyOptional({ description: 'True after a generated or reset password: only changing it (and signing out) is allowed until then' })
  mustChangePassword?: boolean;
}

export class UserAdminViewDto extends UserViewDto implements UserAdminView {
  @ApiProperty() disabled: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

class QuotaWindowDto implements QuotaWindow {
  @ApiProperty({ nullable: true, type: Number, description: 'Null: unlimited' }) limit: number | null;
  @ApiProperty({ description: 'Prompt + completion tokens used in this window' }) used: number;
  @ApiProperty({ format: 'date-time' }) resetsAt: string;
}

class QuotaStatusDto implements QuotaStatus {
  @ApiProperty({ description: 'The UTC day' }) daily: QuotaWindowDto;
  @ApiProperty({ description: 'The UTC month' }) monthly: QuotaWindowDto;
}

export class MeResponseDto extends UserViewDto implements MeResponse {
  @ApiProperty({ description: "The assistant token budget: the user's own, else their role's" }) quota: QuotaStatusDto;
}

export class UserDirectoryQueryDto {
  @ApiPropertyOptional({ description: 'Part of a username or display name (case-insensitive)', maxLength: 64 })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  q?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: USER_DIRECTORY_MAX, default: USER_DIRECTORY_MAX })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(USER_DIRECTORY_MAX)
  limit?: number;
}

export class UserDirectoryEntryDto implements UserDirectoryEntry {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() username: string;
  @ApiProperty() displayName: string;
}
