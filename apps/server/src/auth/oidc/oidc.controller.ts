import { Body, Controller, Get, HttpCode, Inject, Logger, Post, Query, Req, Res, UsePipes } from '@nestjs/common';
import { ApiFoundResponse, ApiOkResponse, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { SSO_ERRORS } from '@chat/contract';
import type { LoginResponse, SsoError } from '@chat/contract';
import { RateLimit } from '../../common/rate-limit.js';
import { HttpValidationPipe } from '../../common/validation.js';
import { APP_CONFIG } from '../../config/app-config.js';
import type { AppConfig, OidcConfig } from '../../config/app-config.js';
import { AuditService } from '../../audit/audit.service.js';
import { Public } from '../auth.decorators.js';
import { LoginResponseDto } from '../auth.dto.js';
import { ATTEMPT_COOKIE, ATTEMPT_TTL_MS, AttemptSealer, cookieValue } from './attempt-cookie.js';
import { OidcClient, SsoRejectedError, SsoUnavailableError } from './oidc-client.js';
import { SsoExchangeDto, SsoLoginQueryDto } from './oidc.dto.js';
import { SsoService } from './sso.service.js';

const CALLBACK_PATH = '/api/auth/oidc/callback';
const COOKIE_PATH = '/api/auth/oidc';
const DEFAULT_RETURN = '/rooms';

/** Only a path inside the console: never another site handed in through the query string. */
function safeReturnPath(raw: string | undefined): string {
  return raw && /^\/(?![/\\])[^\s\\]*$/.test(raw) && !raw.startsWith('/login') ? raw : DEFAULT_RETURN;
}

/**
 * OpenID Connect sign-in, for browsers: `login` sends to the provider, the provider sends back to
 * `callback`, which sends the console a one-time code (in the fragment, so it reaches no log or
 * Referer) that the console exchanges for its session. Failures end on `/login?ssoError=CODE`.
 */
@ApiTags('auth')
@UsePipes(HttpValidationPipe)
@Controller('auth/oidc')
export class OidcController {
  private readonly logger = new Logger(OidcController.name);
  private readonly oidc: OidcConfig;
  private readonly sealer: AttemptSealer;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly client: OidcClient,
    private readonly sso: SsoService,
    private readonly audit: AuditService,
  ) {
    this.oidc = config.oidc!;
    this.sealer = new AttemptSealer(config.jwtSecret);
  }

  @Public()
  @RateLimit('loginAddress')
  @Get('login')
  @ApiFoundResponse({ description: "Redirect to the identity provider; sets the attempt's sealed, HttpOnly cookie (10 minutes)" })
  @ApiTooManyRequestsResponse({ description: 'Too many sign-in attempts from this address' })
  async login(@Query() query: SsoLoginQueryDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    const redirectUri = this.redirectUri(req);
    try {
      const { url, attempt } = await this.client.start(redirectUri, safeReturnPath(query.returnTo));
      res.cookie(ATTEMPT_COOKIE, this.sealer.seal(attempt), {
        httpOnly: true,
        // Lax: the provider's redirect back is a top-level GET, which Lax cookies go with.
        sameSite: 'lax',
        secure: redirectUri.startsWith('https:'),
        path: COOKIE_PATH,
        maxAge: ATTEMPT_TTL_MS,
      });
      res.redirect(302, url.href);
    } catch (error) {
      if (!(error instanceof SsoUnavailableError)) throw error;
      this.fail(req, res, SSO_ERRORS.SSO_UNAVAILABLE);
    }
  }

  // The general per-address REST budget: a sign-in started within the login budget must be able to finish.
  @Public()
  @Get('callback')
  @ApiFoundResponse({ description: 'Redirect to the console: `/login?returnUrl=…#sso=<one-time code>`, or `/login?ssoError=<SSO_FAILED|SSO_EXPIRED|SSO_DENIED|SSO_ACCOUNT_DISABLED|SSO_UNAVAILABLE>`' })
  async callback(@Req() req: Request, @Res() res: Response): Promise<void> {
    const attempt = this.sealer.open(cookieValue(req.headers.cookie, ATTEMPT_COOKIE));
    // One use: a replayed callback finds no attempt.
    res.clearCookie(ATTEMPT_COOKIE, { path: COOKIE_PATH, httpOnly: true, sameSite: 'lax', secure: this.redirectUri(req).startsWith('https:') });
    const params = new URL(req.originalUrl, 'http://callback').searchParams;
    if (!attempt) return this.fail(req, res, SSO_ERRORS.SSO_EXPIRED);
    if (params.has('error')) return this.fail(req, res, SSO_ERRORS.SSO_DENIED);
    try {
      const identity = await this.client.finish(params, this.redirectUri(req), attempt);
      const outcome = await this.sso.signIn(identity);
      if (!outcome.ok) return this.fail(req, res, outcome.error);
      const target = new URL('/login', this.consoleOrigin(req));
      target.searchParams.set('returnUrl', attempt.returnTo);
      target.hash = `sso=${outcome.code}`;
      res.redirect(302, target.href);
    } catch (error) {
      if (error instanceof SsoUnavailableError) return this.fail(req, res, SSO_ERRORS.SSO_UNAVAILABLE);
      if (!(error instanceof SsoRejectedError)) throw error;
      this.logger.warn(`Single sign-on callback refused: ${error.message}`);
      await this.audit.recordAlone({ action: 'auth.login_failed', actor: { id: null, username: null }, details: { reason: 'sso_rejected', method: 'sso' } });
      this.fail(req, res, SSO_ERRORS.SSO_FAILED);
    }
  }

  @Public()
  @Post('exchange')
  @HttpCode(200)
  @ApiOkResponse({ type: LoginResponseDto, description: 'The session, as `POST /api/auth/login` gives it' })
  @ApiUnauthorizedResponse({ description: 'The code is unknown, used already, or older than a minute' })
  exchange(@Body() dto: SsoExchangeDto): Promise<LoginResponse> {
    return this.sso.exchange(dto.code);
  }

  private fail(req: Request, res: Response, error: SsoError): void {
    const target = new URL('/login', this.consoleOrigin(req));
    target.searchParams.set('ssoError', error);
    res.redirect(302, target.href);
  }

  /** OIDC_REDIRECT_URL, else the callback at the public origin. */
  private redirectUri(req: Request): string {
    return this.oidc.redirectUrl ?? `${this.publicOrigin(req)}${CALLBACK_PATH}`;
  }

  /** The console shares the callback's origin (one server, or one proxy in front of both). */
  private consoleOrigin(req: Request): string {
    return this.oidc.redirectUrl && !this.config.publicUrl ? new URL(this.oidc.redirectUrl).origin : this.publicOrigin(req);
  }

  /** PUBLIC_URL, else what the request says: Host, or X-Forwarded-Proto/-Host from the proxies TRUST_PROXY names (Express's rules). */
  private publicOrigin(req: Request): string {
    return this.config.publicUrl ?? `${req.protocol}://${req.host}`;
  }
}
