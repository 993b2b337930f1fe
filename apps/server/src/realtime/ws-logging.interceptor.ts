import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import { Observable, tap } from 'rxjs';
import { runInRequestContext } from '../common/request-context.js';
import { Metrics } from '../metrics/metrics.service.js';
import type { ChatSocket } from './socket.types.js';

/**
 * One line per socket event: event, duration, outcome. Never the message text. The handler runs in
 * a logging context bound to the connection and the user (so every line it logs carries them) and a
 * request context with an id of its own and the client's address (for the audit log).
 */
@Injectable()
export class WsLoggingInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Gateway');

  constructor(
    private readonly pino: PinoLogger,
    private readonly metrics: Metrics,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const ws = context.switchToWs();
    const socket = ws.getClient<ChatSocket>();
    const event = ws.getPattern();
    const started = performance.now();
    const requestId = randomUUID();
    const fields = () => ({ event, durationMs: Math.round((performance.now() - started) * 10) / 10 });
    // handle() binds the handler to the async context it is called in, so it is called inside ours.
    const handled = () => next.handle().pipe(
      tap({
        complete: () => {
          this.metrics.socketEvent(event, 'ok');
          // The line's fields are built only when its level is written (every event would pay otherwise).
          if (this.pino.logger.isLevelEnabled('info')) this.logger.log({ ...fields(), outcome: 'ok' }, `${event} ok`);
        },
        error: (error: unknown) => {
          const code = (error as { code?: string }).code ?? 'INTERNAL';
          this.metrics.socketEvent(event, 'error');
          if (this.pino.logger.isLevelEnabled('info')) this.logger.log({ ...fields(), outcome: 'error', code }, `${event} failed ${code}`);
        },
      }),
    );
    return new Observable((subscriber) =>
      this.pino.runInContext(
        () => runInRequestContext({ requestId, ip: socket.handshake.address ?? null }, () => handled().subscribe(subscriber)),
        { bindings: socketBindings(socket, requestId) },
      ),
    );
  }
}

/** What every log line about a socket carries. */
export function socketBindings(socket: ChatSocket, requestId?: string): Record<string, string | undefined> {
  return { connectionId: socket.id, userId: socket.data?.userId, ...(requestId ? { requestId } : {}) };
}
