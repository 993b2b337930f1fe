import { Injectable, Logger } from '@nestjs/common';
import { ErrorCode, HandshakeErrorData } from '@chat/contract';
import { AuthService, bearerToken } from '../auth/auth.service.js';
import { AppException } from '../common/app-exception.js';
import { Metrics } from '../metrics/metrics.service.js';
import type { ChatSocket } from './socket.types.js';

type ConnectError = Error & { data?: HandshakeErrorData };

/** Socket.IO middleware: a connection without a valid token never reaches the gateway. */
@Injectable()
export class HandshakeAuth {
  private readonly logger = new Logger('HandshakeAuth');

  constructor(
    private readonly auth: AuthService,
    private readonly metrics: Metrics,
  ) {}

  middleware() {
    return (socket: ChatSocket, next: (error?: Error) => void): void => {
      void this.authenticate(socket).then(
        () => next(),
        (error: unknown) => {
          const message = error instanceof AppException ? error.message : 'Authentication failed';
          // No user yet: the line has the connection id only.
          if (!(error instanceof AppException)) this.logger.error({ connectionId: socket.id, code: ErrorCode.INTERNAL, err: error }, 'Handshake check failed');
          else this.logger.debug({ connectionId: socket.id, code: ErrorCode.UNAUTHORIZED }, `Handshake refused: ${message}`);
          this.metrics.error(ErrorCode.UNAUTHORIZED);
          const refusal: ConnectError = new Error(message);
          refusal.data = { code: ErrorCode.UNAUTHORIZED, message };
          next(refusal);
        },
      );
    };
  }

  private async authenticate(socket: ChatSocket): Promise<void> {
    const fromAuth = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    const token = typeof fromAuth === 'string' && fromAuth !== '' ? fromAuth.replace(/^Bearer\s+/i, '') : bearerToken(socket.handshake.headers.authorization);
    const { user, expiresAt } = await this.auth.verify(token);
    socket.data = { userId: user.id, username: user.username, displayName: user.displayName, role: user.role, tokenExpiresAt: expiresAt };
  }
}
