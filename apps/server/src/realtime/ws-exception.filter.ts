import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { ErrorCode, ErrorPayload, ServerEvent } from '@chat/contract';
import { AppException, toErrorPayload } from '../common/app-exception.js';
import { Metrics } from '../metrics/metrics.service.js';
import { socketBindings } from './ws-logging.interceptor.js';
import { isInvalidInput } from '../database/postgres-errors.js';
import type { ChatSocket } from './socket.types.js';

/**
 * Every failure of a socket event becomes one coded `error` event (and a failed ack when the client
 * asked for one). The socket stays connected.
 */
@Catch()
export class WsExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Gateway');

  constructor(private readonly metrics: Metrics) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ws = host.switchToWs();
    const socket = ws.getClient<ChatSocket>();
    const event = ws.getPattern();
    const error = this.toPayload(exception, event);
    const fields = { ...socketBindings(socket), event, code: error.code };
    if (error.code === ErrorCode.INTERNAL) {
      this.logger.error({ ...fields, err: exception }, `${event} failed`);
    } else {
      this.logger.debug(fields, `${event} refused`);
    }
    this.metrics.error(error.code);
    socket.emit(ServerEvent.Error, error);
    // Nest passes (socket, payload, ack): the ack, when the client sent one, is the third argument.
    const ack: unknown = host.getArgByIndex(2);
    if (typeof ack === 'function') ack({ ok: false, error });
  }

  private toPayload(exception: unknown, event: string): ErrorPayload {
    if (exception instanceof AppException) return toErrorPayload(exception, event);
    if (isInvalidInput(exception)) return { code: ErrorCode.VALIDATION_FAILED, message: 'Invalid input', event };
    return { code: ErrorCode.INTERNAL, message: 'Something went wrong on the server', event };
  }
}
