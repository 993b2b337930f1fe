import type { IncomingMessage } from 'node:http';
import type { AppConfig } from '../config/app-config.js';

/**
 * The one origin rule for REST and Socket.IO: the console's own origin, plus what CORS_ORIGINS
 * lists. Never a reflected origin, never `null`.
 */
export function isAllowedOrigin(origin: string | undefined, config: Pick<AppConfig, 'corsOrigins'>): boolean {
  return origin !== undefined && config.corsOrigins.includes(origin);
}

/** Same origin: the Origin header names the host the request was sent to (the scheme may differ behind a TLS proxy). */
export function isSameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}

/**
 * For Socket.IO's `allowRequest`: browsers send an Origin with every handshake (polling or
 * websocket, where CORS does not apply), so a page elsewhere cannot open a session unless listed.
 * Clients that are not browsers send none and are judged by their token alone.
 */
export function handshakeOriginAllowed(req: IncomingMessage, config: Pick<AppConfig, 'corsOrigins'>): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return isSameOrigin(origin, req.headers.host) || isAllowedOrigin(origin, config);
}
