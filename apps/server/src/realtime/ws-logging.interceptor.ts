import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { Observable, tap } from 'rxjs';
import type { ChatSocket } from './socket.types.js';

/** One line per socket event: connection, user, duration, outcome. Never the message text. */
@Injectable()
export class WsLoggingInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Gateway');

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const ws = context.switchToWs();
    const socket = ws.getClient<ChatSocket>();
    const event = ws.getPattern();
    const started = performance.now();
    const line = (outcome: string) =>
      `${event} conn=${socket.id} user=${socket.data.userId} ${(performance.now() - started).toFixed(1)}ms ${outcome}`;
    return next.handle().pipe(
      tap({
        complete: () => this.logger.log(line('ok')),
        error: (error: unknown) => this.logger.log(line(`failed ${(error as { code?: string }).code ?? 'INTERNAL'}`)),
      }),
    );
  }
}
