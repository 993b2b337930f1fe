import { ConsoleLogger, LogLevel as NestLogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { json } from 'express';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import type { NextFunction, Request, Response } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig, LogLevel } from '../config/app-config.js';
import { runInRequestContext } from '../common/request-context.js';
import { requestIdOf } from '../logging/logging.js';
import { Metrics } from '../metrics/metrics.service.js';
import { REDIS, RedisClients } from '../cluster/redis-clients.js';
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
  app.set('trust proxy', 'loopback');
  observeRequests(app);
  // Knowledge uploads may be far larger than any other JSON body. This parser runs first for that
  // route (the general one then skips the parsed body); past its limit Nest answers a coded 413.
  // JSON escaping can double a text's size, so the exact KNOWLEDGE_MAX_UPLOAD_BYTES check is the service's.
  app.use(KNOWLEDGE_UPLOAD_PATH, json({ limit: config.knowledge.maxUploadBytes * 2 + 64 * 1024 }));
  app.useBodyParser('json', { limit: '1mb' });
  app.enableCors({ origin: config.corsOrigins, credentials: true });
  app.setGlobalPrefix('api', { exclude: ['health/live', 'health/ready', 'metrics'] });
  app.useWebSocketAdapter(new ConfiguredIoAdapter(app, config, app.get<RedisClients | null>(REDIS)));
  app.disable('x-powered-by');

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
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document);

  serveConsole(app, config.webRoot);
  return app;
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
