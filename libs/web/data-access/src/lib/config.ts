import { InjectionToken } from '@angular/core';
import { MESSAGE_MAX_LENGTH_DEFAULT } from '@chat/contract';

export interface ChatConfig {
  /** Prefix for REST calls; '' is the page's own origin, where the server serves the console. */
  apiBaseUrl: string;
  /** Socket.IO server; undefined is the page's own origin. */
  socketUrl: string | undefined;
  /** How long a socket request waits for its acknowledgement. */
  ackTimeoutMs: number;
  historyPageSize: number;
  /** How often the room list (and so unread counts of rooms not followed live) is refreshed. */
  roomsRefreshMs: number;
  /** The server's MESSAGE_MAX_LENGTH (its default). */
  messageMaxLength: number;
}

export const DEFAULT_CHAT_CONFIG: ChatConfig = {
  apiBaseUrl: '',
  socketUrl: undefined,
  ackTimeoutMs: 10_000,
  historyPageSize: 50,
  roomsRefreshMs: 60_000,
  messageMaxLength: MESSAGE_MAX_LENGTH_DEFAULT,
};

export const CHAT_CONFIG = new InjectionToken<ChatConfig>('CHAT_CONFIG', {
  providedIn: 'root',
  factory: () => DEFAULT_CHAT_CONFIG,
});
