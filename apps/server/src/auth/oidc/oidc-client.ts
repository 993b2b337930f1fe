import { Inject, Injectable, Logger } from '@nestjs/common';
import * as client from 'openid-client';
import { APP_CONFIG } from '../../config/app-config.js';
import type { AppConfig, OidcConfig } from '../../config/app-config.js';
import { ATTEMPT_TTL_MS, SsoAttempt } from './attempt-cookie.js';

/** The provider's word on who signed in: the id token's claims, with the userinfo endpoint's added. */
export interface SsoIdentity {
  issuer: string;
  subject: string;
  claims: Record<string, unknown>;
}

/** The provider failed in a way no retry by the user fixes soon (down, misconfigured). */
export class SsoUnavailableError extends Error {}

/** The callback did not check out: state, nonce, PKCE, the code, or the provider's answer. */
export class SsoRejectedError extends Error {}

/**
 * openid-client does the protocol (discovery, PKCE, state, nonce, id token checks). Discovery runs
 * at the first sign-in, not at start-up, so a provider that is down does not stop the chat; a failed
 * discovery is retried at the next attempt.
 */
@Injectable()
export class OidcClient {
  private readonly logger = new Logger(OidcClient.name);
  private readonly oidc: OidcConfig;
  private discovered?: Promise<client.Configuration>;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    if (!config.oidc) throw new Error('OidcClient needs OIDC_* settings');
    this.oidc = config.oidc;
  }

  /** The provider's authorization URL, and the attempt to remember until the callback. */
  async start(redirectUri: string, returnTo: string): Promise<{ url: URL; attempt: SsoAttempt }> {
    const configuration = await this.configuration();
    const codeVerifier = client.randomPKCECodeVerifier();
    const attempt: SsoAttempt = { state: client.randomState(), nonce: client.randomNonce(), codeVerifier, returnTo, expiresAt: Date.now() + ATTEMPT_TTL_MS };
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      scope: this.oidc.scopes,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state: attempt.state,
      nonce: attempt.nonce,
    });
    return { url, attempt };
  }

  /** Exchanges the callback's code; every check openid-client makes must pass. */
  async finish(callbackQuery: URLSearchParams, redirectUri: string, attempt: SsoAttempt): Promise<SsoIdentity> {
    const configuration = await this.configuration();
    // openid-client sends this URL without its query as redirect_uri: the one the authorization request named.
    const callbackUrl = new URL(redirectUri);
    callbackUrl.search = callbackQuery.toString();
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(
        configuration,
        callbackUrl,
        { pkceCodeVerifier: attempt.codeVerifier, expectedState: attempt.state, expectedNonce: attempt.nonce, idTokenExpected: true },
      );
    } catch (error) {
      throw new SsoRejectedError(error instanceof Error ? error.message : String(error));
    }
    const idClaims = tokens.claims();
    if (!idClaims) throw new SsoRejectedError('no id token');
    let userInfo: Record<string, unknown> = {};
    if (configuration.serverMetadata().userinfo_endpoint) {
      try {
        // Checks the answer is about the same subject as the id token.
        userInfo = await client.fetchUserInfo(configuration, tokens.access_token, idClaims.sub);
      } catch (error) {
        throw new SsoRejectedError(`userinfo: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return { issuer: idClaims.iss, subject: idClaims.sub, claims: { ...userInfo, ...idClaims } };
  }

  private configuration(): Promise<client.Configuration> {
    this.discovered ??= this.discover().catch((error: unknown) => {
      this.discovered = undefined;
      this.logger.warn(`OpenID provider discovery at ${this.oidc.issuerUrl} failed: ${error instanceof Error ? error.message : String(error)}`);
      throw new SsoUnavailableError('identity provider unreachable');
    });
    return this.discovered;
  }

  private discover(): Promise<client.Configuration> {
    const insecure = new URL(this.oidc.issuerUrl).protocol === 'http:';
    // app-config admits http only for localhost (development, tests).
    return client.discovery(new URL(this.oidc.issuerUrl), this.oidc.clientId, this.oidc.clientSecret, undefined, insecure ? { execute: [client.allowInsecureRequests] } : undefined);
  }
}
