import { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { MessageMappingProperties } from '@nestjs/websockets';
import type { Observable } from 'rxjs';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import type { Server, ServerOptions, Socket } from 'socket.io';
import type { RedisClients } from '../cluster/redis-clients.js';
import { handshakeOriginAllowed } from '../common/origin-policy.js';
import type { AppConfig } from '../config/app-config.js';

/**
 * The adapter never awaits its publishes, so a failed one would be an unhandled rejection: while
 * Redis is down they are dropped here instead (the command connection does not queue), and what a
 * client missed in that time it gets from the database.
 */
function droppingPublisher(client: Redis): Redis {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'publish') return (...args: Parameters<Redis['publish']>) => target.publish(...args).catch(() => 0);
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * Socket.IO server options come from configuration rather than the gateway decorator. With Redis,
 * the Socket.IO project's Redis adapter (pub/sub) joins the instances: `to(room).emit` reaches
 * sockets on every instance, as do serverSideEmit and disconnectSockets. Gateway code is unchanged.
 */
export class ConfiguredIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly config: AppConfig,
    private readonly redis: RedisClients | null,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server = super.createIOServer(port, {
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
    }) as Server;
    if (this.redis) {
      server.adapter(createAdapter(droppingPublisher(this.redis.command), this.redis.adapterSubscriber, { key: this.redis.key('socket.io'), requestsTimeout: 2000 }));
    }
    return server;
  }

  /**
   * Nest's IoAdapter keeps, per socket and per handler, an rxjs chain (fromEvent, mergeMap,
   * takeUntil a shared disconnect$) alive for the socket's lifetime: most of what an idle
   * connection cost beyond Socket.IO's own. Plain listeners do the same work per event and hold
   * one closure per handler; they go with the socket.
   */
  override bindMessageHandlers(socket: Socket, handlers: MessageMappingProperties[], transform: (data: unknown) => Observable<unknown>): void {
    for (const { message, callback, isAckHandledManually } of handlers) {
      socket.on(message as string, (...args: unknown[]) => {
        // As rxjs's fromEvent hands it on: one argument alone, several as an array.
        const { data, ack } = this.mapPayload(args.length === 1 ? args[0] : args);
        let result$: Observable<unknown>;
        try {
          result$ = transform(callback(data, ack));
        } catch (error) {
          this.logger.error(error);
          return;
        }
        result$.subscribe({
          next: (response) => {
            if (response === null || response === undefined) return;
            const { event, data: eventData } = response as { event?: string; data?: unknown };
            if (event) socket.emit(event, eventData);
            else if (!isAckHandledManually && typeof ack === 'function') ack(response);
          },
          error: (error: unknown) => this.logger.error(error),
        });
      });
    }
  }
}
