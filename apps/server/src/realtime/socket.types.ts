import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from '@chat/contract';

export type ChatServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** Every socket of a user sits in this room, so "all tabs of this user" is one address. */
export const userRoom = (userId: string) => `user:${userId}`;

/** Every socket opened with an API key sits in this room, so a revocation reaches exactly those. */
export const apiKeyRoom = (keyId: string) => `api-key:${keyId}`;
