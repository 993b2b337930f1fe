import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';

export interface BareServer {
  url: string;
  close(): Promise<void>;
}

interface SeedMessage {
  content: string;
  roomId: string;
  useAi?: boolean;
}

/**
 * The seed's server (shared/seed/realtime-llm-chatbots-with-websockets.md, "Server Implementation"),
 * same `socket.io` package as the app: no auth, no storage, no validation. Differences, none on the
 * measured path: no express (the Socket.IO upgrade never reaches it), no per-connection console
 * lines, no LLM branch (the bench never sets useAi).
 */
export async function startBareServer(adapter?: Parameters<Server['adapter']>[0]): Promise<BareServer> {
  const server = createServer();
  const io = new Server(server, { cors: { origin: '*', methods: ['GET', 'POST'] } });
  // The bench's two-instance comparison joins bare servers with each of Socket.IO's Redis adapters.
  if (adapter) io.adapter(adapter);
  const connections = new Map<string, unknown>();
  const rooms = new Map<string, Set<string>>();

  io.on('connection', (socket) => {
    connections.set(socket.id, socket);

    socket.on('join_room', (roomId: string) => {
      void socket.join(roomId);
      if (!rooms.has(roomId)) rooms.set(roomId, new Set());
      rooms.get(roomId)!.add(socket.id);
      socket.emit('joined_room', { roomId });
      socket.to(roomId).emit('user_joined', { userId: socket.id });
    });

    socket.on('send_message', async (data: SeedMessage) => {
      try {
        const { content, roomId, useAi = false } = data;
        const messageData = { userId: socket.id, content, timestamp: new Date().toISOString(), isAi: useAi };
        socket.to(roomId).emit('new_message', messageData);
        socket.emit('message_sent', messageData);
      } catch (error) {
        console.error('Message processing error:', error);
        socket.emit('error', { message: 'Failed to send message' });
      }
    });

    socket.on('typing_start', (roomId: string) => void socket.to(roomId).emit('user_typing', { userId: socket.id }));
    socket.on('typing_stop', (roomId: string) => void socket.to(roomId).emit('user_stop_typing', { userId: socket.id }));

    socket.on('disconnect', () => {
      connections.delete(socket.id);
      for (const [roomId, users] of rooms.entries()) {
        if (users.has(socket.id)) {
          users.delete(socket.id);
          socket.to(roomId).emit('user_left', { userId: socket.id });
          if (users.size === 0) rooms.delete(roomId);
        }
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        io.disconnectSockets(true);
        // io.close() also closes the HTTP server.
        void io.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
