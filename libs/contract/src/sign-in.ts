/** `GET /api/auth/config`: which ways to sign in the console offers. */
export interface AuthConfigResponse {
  /** Single sign-on (OpenID Connect) is configured: offer "Sign in with SSO" (`GET /api/auth/oidc/login`). */
  sso: boolean;
  /** The username/password form works: PASSWORD_LOGIN is on, or the first admin may still bootstrap. */
  passwordLogin: boolean;
}

/** `POST /api/auth/oidc/exchange`: the one-time code a finished SSO sign-in hands the console. */
export interface SsoExchangeRequest {
  code: string;
}

/** Why an SSO sign-in ended on `/login?ssoError=…` instead of in the console. */
export const SSO_ERRORS = {
  /** State, nonce, PKCE or the code exchange did not check out: a forged, tampered or replayed callback. */
  SSO_FAILED: 'SSO_FAILED',
  /** No sign-in attempt of this browser is pending (took over 10 minutes, or the callback was used already). */
  SSO_EXPIRED: 'SSO_EXPIRED',
  /** The provider refused or the user cancelled there. */
  SSO_DENIED: 'SSO_DENIED',
  /** The account here is disabled by an admin. */
  SSO_ACCOUNT_DISABLED: 'SSO_ACCOUNT_DISABLED',
  /** The identity provider could not be reached. */
  SSO_UNAVAILABLE: 'SSO_UNAVAILABLE',
} as const;
export type SsoError = (typeof SSO_ERRORS)[keyof typeof SSO_ERRORS];

/** The console's words for each; `ssoError` values outside the list get the first. */
export const SSO_ERROR_MESSAGES: Record<SsoError, string> = {
  SSO_FAILED: 'Single sign-on failed: the answer from the identity provider did not check out. Please try again.',
  SSO_EXPIRED: 'That single sign-on attempt has expired. Please try again.',
  SSO_DENIED: 'The identity provider did not sign you in.',
  SSO_ACCOUNT_DISABLED: 'Your account is disabled. Ask an administrator to enable it.',
  SSO_UNAVAILABLE: 'The identity provider cannot be reached right now. Please try again later.',
};
