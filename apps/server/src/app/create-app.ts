import { ConsoleLogger, LogLevel as NestLogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { API_KEY_SECURITY } from '../auth/api-key-scope.js';
import { json } from 'express';
import helmet from 'helmet';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import type { NextFunction, Request, Response } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig, LogLevel } from '../config/app-config.js';
import { runInRequestContext } from '../common/request-context.js';
import { requestIdOf } from '../logging/logging.js';
import { Metrics } from '../metrics/metrics.service.js';
import { REDIS, RedisClients } from '../cluster/redis-clients.js';
import { AuthService, bearerToken } from '../auth/auth.service.js';
import { AppException } from '../common/app-exception.js';
import { isAllowedOrigin } from '../common/origin-policy.js';
import { inputLimits, sendAppException } from '../common/input-limits.js';
import { ConfiguredIoAdapter } from '../realtime/io-adapter.js';
import { AppModule } from './app.module.js';

const NEST_LEVELS: Record<LogLevel, NestLogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  verbose: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

const KNOWLEDGE_UPLOAD_PATH = '/api/knowledge/documents';
const NOT_THE_CONSOLE = /^\/(api|socket\.io|health|metrics)(\/|$)/;

/** For what is logged before the app (and its pino logger) exists: the embedded database, migrations from the CLI. */
export function createLogger(config: Pick<AppConfig, 'logLevel' | 'logFormat'>): ConsoleLogger {
  return new ConsoleLogger({ logLevels: NEST_LEVELS[config.logLevel], json: config.logFormat === 'json', colors: config.logFormat === 'pretty' });
}

/** The whole product on one port: console at `/`, REST under `/api`, docs at `/api/docs`, Socket.IO at `/socket.io`. */
export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bufferLogs: true,
    bodyParser: true,
  });
  app.useLogger(app.get(PinoNestLogger));
  // Forwarded headers are believed only from the proxies TRUST_PROXY names (rate limits and the audit key on req.ip).
  app.set('trust proxy', config.trustProxy);
  observeRequests(app);
  app.use(securityHeaders(config));
  // Only listed origins get CORS headers; same-origin requests (the console) need none.
  app.enableCors({ origin: (origin, done) => done(null, isAllowedOrigin(origin, config)), credentials: true });
  // Knowledge uploads may be far larger than any other JSON body. This parser runs first for exactly
  // that route (the general one then skips the parsed body); past its limit Nest answers a coded 413.
  // JSON escaping can double a text's size, so the exact KNOWLEDGE_MAX_UPLOAD_BYTES check is the service's.
  // The token is checked before a byte of the body is read: an anonymous caller never makes the
  // server buffer and parse 20 MB.
  const uploadJson = json({ limit: config.knowledge.maxUploadBytes * 2 + 64 * 1024 });
  const auth = app.get(AuthService);
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'POST' || req.path !== KNOWLEDGE_UPLOAD_PATH || !req.is('application/json')) return next();
    auth.verify(bearerToken(req.headers.authorization)).then(
      () => uploadJson(req, res, next),
      (error: unknown) => (error instanceof AppException ? sendAppException(res, error) : next(error)),
    );
  });
  app.useBodyParser('json', { limit: '1mb' });
  app.use(inputLimits({ bodyNulAllowed: (path) => path === KNOWLEDGE_UPLOAD_PATH }));
  app.setGlobalPrefix('api', { exclude: ['health/live', 'health/ready', 'metrics'] });
  app.useWebSocketAdapter(new ConfiguredIoAdapter(app, config, app.get<RedisClients | null>(REDIS)));
  app.disable('x-powered-by');

  if (config.apiDocs) setupApiDocs(app);
  serveConsole(app, config.webRoot);
  return app;
}

/**
 * Helmet's headers with a CSP the console runs under: its scripts and styles are files of its own
 * origin, Angular sets component styles at run time (so inline styles are allowed, inline scripts
 * are not), and the socket connects back to the same origin. HSTS and upgrades only behind TLS.
 */
function securityHeaders(config: AppConfig) {
  const behindTls = config.trustProxy !== false;
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(behindTls ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: behindTls ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  });
}

function setupApiDocs(app: NestExpressApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Team Chat API')
      .setDescription(
        'REST API of the chat server. Real-time events use Socket.IO on /socket.io; see the README for the event reference. ' +
          'Errors have the shape {statusCode, code, message, details?, retryAfterMs?}.',
      )
      .setVersion('1.0')
      .addBearerAuth()
      .addBearerAuth(
        {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'tck_…',
          description:
            'An API key (`Authorization: Bearer tck_…`, from POST /api/api-keys). A route open to keys names the scope it needs in `x-api-key-scope`; ' +
            'routes without it refuse keys. Beyond the scope or the key\'s rooms: 403 FORBIDDEN; an expired or revoked key: 401 UNAUTHORIZED.',
        },
        API_KEY_SECURITY,
      )
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document);
}

/**
 * First in line: the request id (the caller's X-Request-Id when well-formed; pino-http keeps the
 * one set here) and the address, for the audit log; and the request's duration by route template.
 */
function observeRequests(app: NestExpressApplication): void {
  const metrics = app.get(Metrics);
  app.use((req: Request & { id?: string }, res: Response, next: NextFunction) => {
    const started = performance.now();
    req.id = requestIdOf(req, res);
    res.once('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path;
      metrics.httpRequest(req.method, route === undefined ? undefined : `${req.baseUrl}${route}`, res.statusCode, (performance.now() - started) / 1000);
    });
    runInRequestContext({ requestId: req.id, ip: req.ip ?? null }, next);
  });
}

/** Serves the built Angular console, with deep links such as /rooms/general answered by index.html. */
function serveConsole(app: NestExpressApplication, webRoot: string): void {
  const index = join(webRoot, 'index.html');
  if (!existsSync(index)) {
    app.use('/', (req: Request, res: Response, next: NextFunction) =>
      req.method === 'GET' && req.path === '/' ? res.type('text').send('The console is not built: run `npm start`.') : next(),
    );
    return;
  }
  app.useStaticAssets(webRoot, { index: false, maxAge: '1h', setHeaders: (res, path) => path.endsWith('.html') && res.setHeader('Cache-Control', 'no-cache') });
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' || NOT_THE_CONSOLE.test(req.path) || !req.accepts('html')) return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
}
