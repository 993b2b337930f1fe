import { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import { handshakeOriginAllowed } from '../common/origin-policy.js';
import type { AppConfig } from '../config/app-config.js';

/** Socket.IO server options come from configuration rather than the gateway decorator. */
export class ConfiguredIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly config: AppConfig,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    return super.createIOServer(port, {
      ...(options as ServerOptions),
      // The REST rule: listed origins only, and a browser page elsewhere cannot even open a session.
      cors: { origin: this.config.corsOrigins, credentials: true },
      allowRequest: (req, done) => {
        const allowed = handshakeOriginAllowed(req, this.config);
        done(allowed ? null : 'Origin not allowed', allowed);
      },
      // A frame above this is refused by the transport before it is buffered whole.
      maxHttpBufferSize: this.config.socketMaxFrameBytes,
      // A session that never sends its (authenticated) connect is closed after this long.
      connectTimeout: this.config.handshakeTimeoutMs,
      pingInterval: 20_000,
      pingTimeout: 20_000,
    });
  }
}
