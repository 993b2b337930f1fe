import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import type { AuthConfigResponse, SsoExchangeRequest } from '@chat/contract';

export class SsoExchangeDto implements SsoExchangeRequest {
  @ApiProperty({ description: 'The `sso` value of the fragment the callback redirected the console to', example: 'q1w2e3…' })
  @IsString()
  @Length(16, 128)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'code must be a sign-in code' })
  code: string;
}

export class SsoLoginQueryDto {
  @ApiProperty({ required: false, description: 'A console path to return to after signing in', example: '/rooms/2b0c…' })
  @IsOptional()
  @IsString()
  @Length(1, 512)
  returnTo?: string;
}

export class AuthConfigResponseDto implements AuthConfigResponse {
  @ApiProperty({ description: 'Single sign-on is configured: the console offers "Sign in with SSO"' }) sso: boolean;
  @ApiProperty({ description: 'The password form works (PASSWORD_LOGIN, or the first admin may still bootstrap)' }) passwordLogin: boolean;
}
