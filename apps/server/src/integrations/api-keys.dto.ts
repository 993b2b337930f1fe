import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayNotEmpty, ArrayUnique, IsArray, IsIn, IsISO8601, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { API_KEY_SCOPES, ROOM_ID_PATTERN } from '@chat/contract';
import type { ApiKeyScope, ApiKeyView, CreateApiKeyRequest, CreatedApiKey } from '@chat/contract';
import { NOT_BLANK } from '../common/validation.js';

export const API_KEY_ROOMS_MAX = 100;

export class CreateApiKeyDto implements CreateApiKeyRequest {
  @ApiProperty({ example: 'nightly-export', maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(NOT_BLANK, { message: 'name must not be blank' })
  name: string;

  @ApiProperty({ enum: API_KEY_SCOPES, isArray: true, example: ['messages:read', 'messages:write'] })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @IsIn(API_KEY_SCOPES, { each: true, message: `each scope must be one of ${API_KEY_SCOPES.join(', ')}` })
  scopes: ApiKeyScope[];

  @ApiPropertyOptional({ type: [String], nullable: true, example: ['general'], description: 'Only these rooms; omitted or null: every room the owner may use' })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(API_KEY_ROOMS_MAX)
  @ArrayUnique()
  @Matches(ROOM_ID_PATTERN, { each: true, message: 'each room id must be a room id' })
  roomIds?: string[] | null;

  @ApiPropertyOptional({ format: 'date-time', nullable: true, example: '2027-01-01T00:00:00Z', description: 'Omitted: never expires' })
  @IsOptional()
  @IsISO8601({ strict: true })
  expiresAt?: string | null;
}

export class ApiKeyViewDto implements ApiKeyView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ example: 'tck_Ab3dE6gH', description: 'The first characters of the key, to tell keys apart' }) prefix: string;
  @ApiProperty({ enum: API_KEY_SCOPES, isArray: true }) scopes: ApiKeyScope[];
  @ApiProperty({ type: [String], nullable: true }) roomIds: string[] | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) expiresAt: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'Updated at most once a minute' }) lastUsedAt: string | null;
  @ApiProperty({ format: 'uuid', description: 'The owner' }) userId: string;
}

export class CreatedApiKeyDto extends ApiKeyViewDto implements CreatedApiKey {
  @ApiProperty({ example: 'tck_Ab3dE6gHi…', description: 'Shown once; only its hash is stored' }) key: string;
}
