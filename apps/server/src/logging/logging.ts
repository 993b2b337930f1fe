import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, Response } from 'express';
import type { Params } from 'nestjs-pino';
import type { DestinationStream, LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';
import type { AppConfig, LogLevel } from '../config/app-config.js';

/** A caller's own id is kept when it cannot break a log line or a header; anything else gets a fresh one. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
export const REQUEST_ID_HEADER = 'X-Request-Id';

const PINO_LEVELS: Record<LogLevel, LevelWithSilent> = { error: 'error', warn: 'warn', info: 'info', debug: 'debug', verbose: 'trace' };

/** Paths scraped or probed every few seconds: they keep their request id but write no access line. */
const QUIET_PATHS = new Set(['/metrics', '/health/live', '/health/ready']);

export function requestIdOf(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const candidate = Array.isArray(given) ? given[0] : given;
  const id = candidate && REQUEST_ID_PATTERN.test(candidate) ? candidate : randomUUID();
  res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/**
 * stdout through its stream (not a raw fd), so what the process prints can be captured in tests;
 * stdout to a file or a pipe is synchronous on Linux, so nothing is lost on exit.
 */
function destination(config: Pick<AppConfig, 'logFormat'>): DestinationStream {
  if (config.logFormat === 'pretty') return pretty({ destination: process.stdout, colorize: process.stdout.isTTY, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
  return process.stdout;
}

/**
 * The request line never holds the query string (search text) or headers (tokens); bodies are never
 * logged. Error responses carry their contract code, which HttpExceptionFilter leaves in res.locals.
 */
export function loggerParams(config: Pick<AppConfig, 'logLevel' | 'logFormat'>): Params {
  return {
    pinoHttp: [
      {
        level: PINO_LEVELS[config.logLevel],
        genReqId: requestIdOf,
        quietReqLogger: true,
        customAttributeKeys: { reqId: 'requestId' },
        customProps: (_req, res) => ({ code: (res as unknown as Response).locals?.['errorCode'] as string | undefined }),
        autoLogging: { ignore: (req) => QUIET_PATHS.has((req as Request).path ?? req.url ?? '') },
        customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
        serializers: {
          req: (req: { method?: string; url?: string; remoteAddress?: string }) => ({ method: req.method, path: req.url?.split('?')[0], remoteAddress: req.remoteAddress }),
          res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
        },
        redact: ['req.headers.authorization', 'req.headers.cookie'],
      },
      destination(config),
    ],
  };
}

