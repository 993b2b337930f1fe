import { Injectable, Logger } from '@nestjs/common';
import { ErrorCode, HandshakeErrorData } from '@chat/contract';
import { AuthService, bearerToken } from '../auth/auth.service.js';
import { AppException } from '../common/app-exception.js';
import type { ChatSocket } from './socket.types.js';

type ConnectError = Error & { data?: HandshakeErrorData };

/** Socket.IO middleware: a connection without a valid token never reaches the gateway. */
@Injectable()
export class HandshakeAuth {
  private readonly logger = new Logger('HandshakeAuth');

  constructor(private readonly auth: AuthService) {}

  middleware() {
    return (socket: ChatSocket, next: (error?: Error) => void): void => {
      void this.authenticate(socket).then(
        () => next(),
        (error: unknown) => {
          const message = error instanceof AppException ? error.message : 'Authentication failed';
          if (!(error instanceof AppException)) this.logger.error('Handshake check failed', error instanceof Error ? error.stack : String(error));
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
    if (user.mustChangePassword) throw new AppException(ErrorCode.UNAUTHORIZED, 'Change your password first (POST /api/auth/password)');
    socket.data = { userId: user.id, username: user.username, displayName: user.displayName, role: user.role, tokenExpiresAt: expiresAt };
  }
}
