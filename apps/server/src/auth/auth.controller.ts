import { UsePipes, Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { HttpValidationPipe } from '../common/validation.js';
import { ApiBadRequestResponse, ApiBearerAuth, ApiForbiddenResponse, ApiNoContentResponse, ApiOkResponse, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { AuthConfigResponse, LoginResponse, MeResponse } from '@chat/contract';
import { RateLimit } from '../common/rate-limit.js';
import { ChangePasswordDto, MeResponseDto } from '../users/users.dto.js';
import { AllowedBeforePasswordChange, CurrentUser, Public } from './auth.decorators.js';
import { LoginDto, LoginResponseDto } from './auth.dto.js';
import { AuthConfigResponseDto } from './oidc/oidc.dto.js';
import { AuthService } from './auth.service.js';
import type { AuthUser } from './auth.types.js';

@ApiTags('auth')
@UsePipes(HttpValidationPipe)
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Get('config')
  @ApiOkResponse({ type: AuthConfigResponseDto, description: 'Which ways to sign in the console offers' })
  config(): Promise<AuthConfigResponse> {
    return this.auth.signInOptions();
  }

  @Public()
  @RateLimit('login', 'loginAddress')
  @Post('login')
  @HttpCode(200)
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiUnauthorizedResponse({ description: 'Invalid username or password' })
  @ApiTooManyRequestsResponse({ description: 'Too many attempts for this address and username' })
  @ApiForbiddenResponse({ description: 'PASSWORD_LOGIN=false: only the bootstrap admin, until an admin has signed in through SSO' })
  login(@Body() dto: LoginDto): Promise<LoginResponse> {
    return this.auth.login(dto.username, dto.password);
  }

  @ApiBearerAuth()
  @AllowedBeforePasswordChange()
  @Post('password')
  @HttpCode(200)
  @ApiOkResponse({ type: LoginResponseDto, description: 'Changed; every earlier token is revoked and a new one is returned' })
  @ApiUnauthorizedResponse({ description: 'The current password is wrong' })
  @ApiBadRequestResponse({ description: 'The new password breaks the policy: at least 12 characters, not the username, not a common password' })
  changePassword(@CurrentUser() user: AuthUser, @Body() dto: ChangePasswordDto): Promise<LoginResponse> {
    return this.auth.changePassword(user, dto.currentPassword, dto.newPassword);
  }

  @ApiBearerAuth()
  @AllowedBeforePasswordChange()
  @Post('logout')
  @HttpCode(204)
  @ApiNoContentResponse({ description: "Every token of the account is revoked, on every instance; its sockets are closed" })
  logout(@CurrentUser() user: AuthUser): Promise<void> {
    return this.auth.logout(user);
  }

  @ApiBearerAuth()
  @AllowedBeforePasswordChange()
  @Get('me')
  @ApiOkResponse({ type: MeResponseDto })
  me(@CurrentUser() user: AuthUser): Promise<MeResponse> {
    return this.auth.me(user);
  }
}
