import { DOCUMENT, inject, Injectable } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import {
  Ack,
  AckResponse,
  ASSISTANT_DISPLAY_NAME,
  ChatMessage,
  ClientEvent,
  ErrorCode,
  ErrorPayload,
  HISTORY_PAGE_MAX,
  JoinedRoomPayload,
  JoinRoomRequest,
  MentionedPayload,
  MessageUpdatedPayload,
  ReadUpdatedPayload,
  SendMessageRequest,
  ServerEvent,
  ThreadPage,
} from '@chat/contract';
import { mainTimeline, newClientMessageId, OutgoingMessage, TimelineEntry, threadTimeline } from '@chat/web-util';
import {
  BehaviorSubject,
  catchError,
  combineLatest,
  concat,
  concatMap,
  defer,
  distinctUntilChanged,
  EMPTY,
  exhaustMap,
  expand,
  filter,
  finalize,
  from,
  fromEvent,
  groupBy,
  map,
  merge,
  mergeMap,
  Observable,
  of,
  race,
  scan,
  share,
  Subject,
  switchMap,
  take,
  tap,
  throwError,
  timer,
} from 'rxjs';
import { MessagesApi } from '../api/rooms.api';
import { toApiError } from '../api/http-error';
import { SESSION_ENDED_MESSAGE, SessionStore } from '../auth/session.store';
import { CHAT_CONFIG } from '../config';
import { ChatState, ConnectionState, emptyRoom, reduce, resumeChangeSeq, resumeSeq, RoomState } from './chat-state';
import { ChatClientSocket, fromServerEvent, fromSocketLifecycle, SOCKET_FACTORY } from './socket';

/** Something the user should hear about that belongs to no single message. */
export interface ChatNotice {
  code: ErrorCode | 'SERVER_RESTART' | 'WEBHOOK_DISABLED';
  message: string;
  roomId?: string;
}

export class AckTimeoutError extends Error {
  constructor() {
    super('No answer from the server');
  }
}

export class DisconnectedError extends Error {
  constructor() {
    super('The connection dropped');
  }
}

/** The server refused a request (an edit of someone else's message, an unknown message, …). */
export class ChatRequestError extends Error {
  constructor(readonly error: ErrorPayload) {
    super(error.message);
  }
}

/** A keystroke refreshes "typing" this long; then it ends by itself. */
export const TYPING_IDLE_MS = 3_000;
/** A long typing spell is re-announced before the server's TTL (6 s by default) ends it. */
export const TYPING_REFRESH_MS = 4_000;
/** Someone else's "typing" is dropped after this long without a refresh, should its stop be lost. */
export const TYPING_EXPIRE_MS = 8_000;
/** Display name of assistant replies before their stored version arrives. */

interface TypingStep {
  active: boolean;
  send: boolean;
  sentAt: number;
}

/**
 * The console's real-time side as streams: one typed Socket.IO connection per session, turned
 * into per-room state (messages ordered by seq and unique by id, unconfirmed sends, typing,
 * presence, assistant streams) and connection state. Rooms followed by this tab are rejoined on
 * every reconnect with the seq they are current to, so missed messages arrive in order and once;
 * sends wait in a queue while offline and go out with their clientMessageId when the room is back.
 */
@Injectable({ providedIn: 'root' })
export class ChatRealtimeService {
  private readonly config = inject(CHAT_CONFIG);
  private readonly createSocket = inject(SOCKET_FACTORY);
  private readonly session = inject(SessionStore);
  private readonly messagesApi = inject(MessagesApi);
  private readonly window = inject(DOCUMENT).defaultView;

  private readonly state = new BehaviorSubject<ChatState>({ connection: 'offline', rooms: {} });
  private readonly emptyRooms = new Map<string, RoomState>();
  private socket: ChatClientSocket | null = null;
  private disconnected$: Observable<unknown> = EMPTY;

  private readonly joinRequests = new Subject<string>();
  private readonly sendRequests = new Subject<{ roomId: string; clientMessageId: string }>();
  private readonly historyRequests = new Subject<{ roomId: string; older: boolean }>();
  private readonly typingInput = new Subject<{ roomId: string; active: boolean }>();
  private readonly cancelRequests = new Subject<string>();
  private readonly notices = new Subject<ChatNotice>();
  private readonly readUpdates = new Subject<ReadUpdatedPayload>();
  private readonly mentions = new Subject<MentionedPayload>();

  readonly state$: Observable<ChatState> = this.state.asObservable();
  readonly connection$: Observable<ConnectionState> = this.state.pipe(
    map((s) => s.connection),
    distinctUntilChanged(),
  );
  readonly notices$: Observable<ChatNotice> = this.notices.asObservable();
  /** The user's read position moved (here or in another tab). */
  readonly readUpdated$: Observable<ReadUpdatedPayload> = this.readUpdates.asObservable();
  /** Someone @-mentioned the user, in any room they belong to. */
  readonly mentioned$: Observable<MentionedPayload> = this.mentions.asObservable();
  /** Newest seq known per room, for unread counts. */
  readonly latestSeqs$: Observable<Readonly<Record<string, number>>> = this.state.pipe(
    map((s) => s.rooms),
    distinctUntilChanged(),
    map((rooms) => Object.fromEntries(Object.values(rooms).map((r) => [r.roomId, r.latestSeq]))),
  );

  constructor() {
    this.session.token$
      .pipe(
        tap((token) => this.state.next({ connection: token ? 'connecting' : 'offline', rooms: {} })),
        // One connection per token: signing out (or a refused token) tears it down with everything it runs.
        switchMap((token) => (token ? this.run(token) : EMPTY)),
        takeUntilDestroyed(),
      )
      .subscribe();
  }

  room$(roomId: string): Observable<RoomState> {
    return this.state.pipe(
      map((s) => s.rooms[roomId] ?? this.emptyRoom(roomId)),
      distinctUntilChanged(),
    );
  }

  messages$(roomId: string): Observable<readonly ChatMessage[]> {
    return this.room$(roomId).pipe(
      map((r) => r.messages),
      distinctUntilChanged(),
    );
  }

  /** Top-level messages in seq order followed by this tab's unconfirmed sends (thread replies show in their thread). */
  timeline$(roomId: string): Observable<TimelineEntry[]> {
    return this.entries$(roomId).pipe(map(([messages, outgoing]) => mainTimeline(messages, outgoing)));
  }

  /** One thread's replies in seq order, then this tab's unconfirmed replies to it. */
  thread$(roomId: string, rootId: string): Observable<TimelineEntry[]> {
    return this.entries$(roomId).pipe(map(([messages, outgoing]) => threadTimeline(messages, outgoing, rootId)));
  }

  private entries$(roomId: string) {
    return combineLatest([
      this.messages$(roomId),
      this.room$(roomId).pipe(
        map((r) => r.outgoing),
        distinctUntilChanged(),
      ),
    ]);
  }

  typing$(roomId: string) {
    return this.room$(roomId).pipe(
      map((r) => r.typing),
      distinctUntilChanged(),
    );
  }

  presence$(roomId: string) {
    return this.room$(roomId).pipe(
      map((r) => r.online),
      distinctUntilChanged(),
    );
  }

  /** The newest seq this tab knows of in the room (0 when it knows none). */
  latestSeq(roomId: string): number {
    return this.room(roomId).latestSeq;
  }

  /** Keep these rooms joined (for live unread counts and presence) without loading their history. */
  follow(roomIds: readonly string[]): void {
    for (const roomId of roomIds) {
      if (this.room(roomId).followed) continue;
      this.updateRoom(roomId, (r) => ({ ...r, followed: true }));
      this.joinRequests.next(roomId);
    }
  }

  /** Someone looks at the room: follow it, load its newest history, then join from there. */
  open(roomId: string): void {
    const room = this.room(roomId);
    this.updateRoom(roomId, (r) => ({ ...r, followed: true, viewed: true }));
    if (room.history === 'idle' || room.history === 'error') this.historyRequests.next({ roomId, older: false });
    else if (!room.joined) this.joinRequests.next(roomId);
  }

  loadOlder(roomId: string): void {
    const room = this.room(roomId);
    if (room.history === 'loaded' && room.hasMore && !room.loadingOlder) this.historyRequests.next({ roomId, older: true });
  }

  /** Queues a message; it goes out now when the room is joined, else as soon as it is. */
  send(roomId: string, content: string, options: { useAi?: boolean; threadId?: string } = {}): string {
    const outgoing: OutgoingMessage = {
      clientMessageId: newClientMessageId(),
      roomId,
      content,
      useAi: options.useAi === true,
      ...(options.threadId ? { threadId: options.threadId } : {}),
      status: 'queued',
      createdAt: new Date().toISOString(),
    };
    this.updateRoom(roomId, (r) => ({ ...r, outgoing: [...r.outgoing, outgoing] }));
    this.sendRequests.next({ roomId, clientMessageId: outgoing.clientMessageId });
    this.typing(roomId, false);
    return outgoing.clientMessageId;
  }

  /** Sends a failed message again with the same clientMessageId, so it is never stored twice. */
  retry(roomId: string, clientMessageId: string): void {
    this.updateRoom(roomId, (r) => reduce.outgoing(r, clientMessageId, { status: 'queued', error: undefined }));
    this.sendRequests.next({ roomId, clientMessageId });
  }

  discard(roomId: string, clientMessageId: string): void {
    this.updateRoom(roomId, (r) => reduce.outgoing(r, clientMessageId, null));
  }

  /** The author's edit; the change reaches every tab as message_updated. */
  editMessage(messageId: string, content: string): Observable<MessageUpdatedPayload> {
    return this.change$((socket, ack) => socket.emit(ClientEvent.EditMessage, { messageId, content }, ack));
  }

  /** The author, the room's owner or an admin: the message stays as a tombstone. */
  deleteMessage(messageId: string): Observable<MessageUpdatedPayload> {
    return this.change$((socket, ack) => socket.emit(ClientEvent.DeleteMessage, { messageId }, ack));
  }

  /** Adds (`on`) or takes back the user's reaction with this emoji. */
  react(messageId: string, emoji: string, on: boolean): Observable<MessageUpdatedPayload> {
    return this.change$((socket, ack) => socket.emit(on ? ClientEvent.AddReaction : ClientEvent.RemoveReaction, { messageId, emoji }, ack));
  }

  /** Moves the user's read position in the room (never backwards, the server makes sure). */
  markRead(roomId: string, seq: number): Observable<ReadUpdatedPayload> {
    return this.ask$<ReadUpdatedPayload>((socket, ack) => socket.emit(ClientEvent.MarkRead, { roomId, seq }, ack)).pipe(tap((p) => this.readUpdates.next(p)));
  }

  /** Loads a thread's root and a page of its replies into the room (`after` pages on). */
  loadThread(roomId: string, rootId: string, after?: number): Observable<ThreadPage> {
    return this.messagesApi.thread(roomId, rootId, { after, limit: HISTORY_PAGE_MAX }).pipe(
      tap((page) => this.updateRoom(roomId, (r) => reduce.messages(r, [page.root, ...page.replies]))),
    );
  }

  /**
   * Shows the history around `seq` (a search hit) instead of the newest page. Newer messages are
   * not loaded until the reader jumps back to the latest, so `newerMissing` tells the list.
   */
  openAround(roomId: string, seq: number): Observable<unknown> {
    this.updateRoom(roomId, (r) => ({ ...r, followed: true, viewed: true }));
    const present = this.room(roomId).messages.some((m) => m.seq === seq && !m.threadId);
    if (present) return of(null);
    return this.messagesApi.around(roomId, seq, this.config.historyPageSize).pipe(
      tap((page) => {
        this.updateRoom(roomId, (r) => ({
          ...reduce.messages({ ...r, messages: [] }, page.messages),
          // Before the hit: as usual. After it: the page's own newest up to the room's newest is missing.
          hasMore: page.hasMore,
          history: 'loaded',
          error: null,
          newerMissing: (page.messages.at(-1)?.seq ?? 0) < Math.max(r.latestSeq, r.messages.at(-1)?.seq ?? 0),
        }));
        if (this.socket?.connected && !this.room(roomId).joined) this.joinRequests.next(roomId);
      }),
    );
  }

  /** Back from a search hit to the newest messages. */
  jumpToLatest(roomId: string): void {
    this.updateRoom(roomId, (r) => ({ ...r, messages: r.messages.filter((m) => m.status === 'streaming'), newerMissing: false, history: 'idle' }));
    this.historyRequests.next({ roomId, older: false });
  }

  cancelAi(messageId: string): void {
    this.cancelRequests.next(messageId);
  }

  /** Call on every keystroke (`true`) and when the user stops or sends (`false`). */
  typing(roomId: string, active: boolean): void {
    this.typingInput.next({ roomId, active });
  }

  private run(token: string): Observable<unknown> {
    return defer(() => {
      const socket = this.createSocket({ token });
      this.socket = socket;
      const on = <E extends Parameters<typeof fromServerEvent>[1]>(event: E) => fromServerEvent(socket, event);
      const disconnected$ = fromSocketLifecycle(socket, 'disconnect').pipe(share());
      this.disconnected$ = disconnected$;
      const connected$ = fromSocketLifecycle(socket, 'connect');
      /** Rooms with a join_room in flight on this connection, so one is never asked twice at once. */
      const joining = new Set<string>();
      const join$ = (roomId: string) => {
        if (joining.has(roomId)) return EMPTY;
        joining.add(roomId);
        return this.join$(socket, roomId, disconnected$).pipe(finalize(() => joining.delete(roomId)));
      };

      return merge(
        connected$.pipe(
          tap(() => this.setConnection('connected')),
          // A newer connection supersedes the joins of an older one.
          switchMap(() => from(this.roomsToJoin()).pipe(mergeMap(join$))),
        ),
        disconnected$.pipe(switchMap((reason) => this.onDisconnect(socket, reason))),
        fromSocketLifecycle(socket, 'connect_error').pipe(switchMap((error) => this.onConnectError(socket, error))),
        this.joinRequests.pipe(
          filter((roomId) => socket.connected && !this.room(roomId).joined),
          mergeMap(join$),
        ),
        // Per room, one send at a time and in order (concatMap); rooms do not wait for each other.
        this.sendRequests.pipe(
          groupBy((r) => r.roomId),
          mergeMap((group) => group.pipe(concatMap((r) => this.send$(socket, r.roomId, r.clientMessageId, disconnected$)))),
        ),
        // A history load already under way for a room makes further requests for it moot (exhaustMap).
        this.historyRequests.pipe(
          groupBy((r) => `${r.roomId}\n${r.older}`),
          mergeMap((group) => group.pipe(exhaustMap((r) => this.loadHistory$(socket, r.roomId, r.older)))),
        ),
        this.cancelRequests.pipe(mergeMap((messageId) => this.cancel$(socket, messageId, disconnected$))),
        this.typingOut$(socket),
        on(ServerEvent.NewMessage).pipe(tap((m) => this.updateRoom(m.roomId, (r) => reduce.messages(r, [m])))),
        on(ServerEvent.MessageSent).pipe(tap((m) => this.updateRoom(m.roomId, (r) => reduce.messages(r, [m])))),
        on(ServerEvent.JoinedRoom).pipe(tap((p) => this.updateRoom(p.roomId, (r) => reduce.joined(r, p)))),
        // Only ever sent here when the user was removed from the room.
        on(ServerEvent.LeftRoom).pipe(
          tap((p) =>
            this.updateRoom(p.roomId, (r) => ({
              ...r,
              joined: false,
              followed: false,
              typing: [],
              online: [],
              error: r.viewed ? { code: ErrorCode.FORBIDDEN, message: 'You are no longer a member of this room' } : r.error,
            })),
          ),
        ),
        on(ServerEvent.UserJoined).pipe(tap((u) => this.updateRoom(u.roomId, (r) => reduce.userJoined(r, u)))),
        on(ServerEvent.UserLeft).pipe(tap((u) => this.updateRoom(u.roomId, (r) => reduce.userLeft(r, u)))),
        on(ServerEvent.UserStopTyping).pipe(tap((u) => this.updateRoom(u.roomId, (r) => reduce.typing(r, u, false)))),
        on(ServerEvent.UserTyping).pipe(
          tap((u) => this.updateRoom(u.roomId, (r) => reduce.typing(r, u, true))),
          // Each typist's indicator expires unless refreshed, in case the stop never arrives.
          groupBy((u) => `${u.roomId}\n${u.userId}`),
          mergeMap((group) => group.pipe(switchMap((u) => timer(TYPING_EXPIRE_MS).pipe(map(() => u))))),
          tap((u) => this.updateRoom(u.roomId, (r) => reduce.typing(r, u, false))),
        ),
        on(ServerEvent.AiStreamStart).pipe(tap((p) => this.updateRoom(p.roomId, (r) => reduce.streamStart(r, p, ASSISTANT_DISPLAY_NAME)))),
        on(ServerEvent.AiStreamDelta).pipe(tap((p) => this.updateRoom(p.roomId, (r) => reduce.streamDelta(r, p)))),
        on(ServerEvent.AiStreamEnd).pipe(tap(({ message }) => this.updateRoom(message.roomId, (r) => reduce.messages(r, [message])))),
        on(ServerEvent.MessageUpdated).pipe(tap((p) => this.updateRoom(p.message.roomId, (r) => reduce.messageUpdated(r, p)))),
        on(ServerEvent.ReadUpdated).pipe(tap((p) => this.readUpdates.next(p))),
        on(ServerEvent.Mentioned).pipe(tap((p) => this.mentions.next(p))),
        on(ServerEvent.Error).pipe(tap((error) => this.onServerError(error))),
        // The hook's page keeps showing it disabled, with the reason, for an owner who was away.
        on(ServerEvent.WebhookDisabled).pipe(
          tap(({ url, reason }) => this.notices.next({ code: 'WEBHOOK_DISABLED', message: `Webhook ${url} was disabled: ${reason}` })),
        ),
        on(ServerEvent.ServerShutdown).pipe(
          tap(() => this.notices.next({ code: 'SERVER_RESTART', message: 'The server is restarting; reconnecting shortly…' })),
        ),
        this.networkStatus$(socket),
      ).pipe(
        finalize(() => {
          socket.disconnect();
          if (this.socket === socket) {
            this.socket = null;
            this.disconnected$ = EMPTY;
          }
        }),
      );
    });
  }

  private roomsToJoin(): string[] {
    // A viewed room still loading its history joins when the load ends, from the seq it reached.
    return Object.values(this.state.value.rooms)
      .filter((r) => r.followed && !r.joined && !(r.viewed && r.history === 'loading'))
      .map((r) => r.roomId);
  }

  private join$(socket: ChatClientSocket, roomId: string, disconnected$: Observable<unknown>): Observable<unknown> {
    let requested: number | undefined;
    return defer(() => {
      const room = this.room(roomId);
      requested = resumeSeq(room);
      const changeSeq = resumeChangeSeq(room);
      const payload: JoinRoomRequest =
        requested === undefined ? { roomId } : { roomId, lastSeq: requested, ...(changeSeq === undefined ? {} : { lastChangeSeq: changeSeq }) };
      return this.request$<JoinedRoomPayload>((ack) => socket.emit(ClientEvent.JoinRoom, payload, ack), disconnected$);
    }).pipe(
      tap((response) => {
        if (response.ok && response.changesHasMore) {
          // The replay of changes stopped at `changeSeq`: join again from there for the rest (once
          // this join has finished, so it is not taken for a duplicate).
          this.updateRoom(roomId, (r) => ({ ...reduce.joined(r, response), joined: false }));
          queueMicrotask(() => this.joinRequests.next(roomId));
        } else if (response.ok) {
          this.updateRoom(roomId, (r) => reduce.joined(r, response));
          this.flushQueue(roomId);
        } else {
          this.updateRoom(roomId, (r) => ({ ...r, joined: false, followed: false, error: response.error }));
          if (response.error.code === ErrorCode.UNAUTHORIZED) this.session.expire(SESSION_ENDED_MESSAGE);
        }
      }),
      // The server sends at most a capped catch-up over the socket; the older part comes by REST.
      concatMap((response) =>
        response.ok && response.hasMore && requested !== undefined && response.catchUpFrom !== undefined
          ? this.fillGap$(roomId, requested, response.catchUpFrom)
          : EMPTY,
      ),
      catchError(() => EMPTY),
    );
  }

  /** Pages the messages after `after` and before `before` through REST into the room, oldest first. */
  private fillGap$(roomId: string, after: number, before: number): Observable<unknown> {
    const page$ = (from: number) => this.messagesApi.history(roomId, { after: from, before, limit: HISTORY_PAGE_MAX });
    return page$(after).pipe(
      expand((page) => (page.hasMore && page.messages.length > 0 ? page$(page.messages[page.messages.length - 1].seq) : EMPTY)),
      tap((page) => this.updateRoom(roomId, (r) => reduce.messages(r, page.messages))),
      catchError(() => EMPTY),
    );
  }

  private flushQueue(roomId: string): void {
    for (const o of this.room(roomId).outgoing) {
      if (o.status === 'queued') this.sendRequests.next({ roomId, clientMessageId: o.clientMessageId });
    }
  }

  private send$(socket: ChatClientSocket, roomId: string, clientMessageId: string, disconnected$: Observable<unknown>): Observable<unknown> {
    return defer(() => {
      const room = this.room(roomId);
      const outgoing = room.outgoing.find((o) => o.clientMessageId === clientMessageId);
      // Not yet: it stays queued and goes out when the room is (re)joined.
      if (!outgoing || outgoing.status !== 'queued' || !socket.connected || !room.joined) return EMPTY;
      this.updateRoom(roomId, (r) => reduce.outgoing(r, clientMessageId, { status: 'sending' }));
      const request: SendMessageRequest = {
        roomId,
        content: outgoing.content,
        clientMessageId,
        ...(outgoing.useAi ? { useAi: true } : {}),
        ...(outgoing.threadId ? { threadId: outgoing.threadId } : {}),
      };
      return this.request$<{ message: ChatMessage }>((ack) => socket.emit(ClientEvent.SendMessage, request, ack), disconnected$).pipe(
        tap((response) => {
          if (response.ok) {
            this.updateRoom(roomId, (r) => reduce.messages(r, [response.message]));
            return;
          }
          if (response.error.code === ErrorCode.UNAUTHORIZED) this.session.expire(SESSION_ENDED_MESSAGE);
          this.updateRoom(roomId, (r) => reduce.outgoing(r, clientMessageId, { status: 'failed', error: describeSendError(response.error) }));
        }),
        catchError((error: unknown) => {
          const lost = error instanceof DisconnectedError || !socket.connected;
          // Lost with the connection: it is sent again, with the same id, after the rejoin.
          this.updateRoom(roomId, (r) =>
            reduce.outgoing(r, clientMessageId, lost ? { status: 'queued' } : { status: 'failed', error: 'No answer from the server' }),
          );
          return EMPTY;
        }),
      );
    });
  }

  private loadHistory$(socket: ChatClientSocket, roomId: string, older: boolean): Observable<unknown> {
    return defer(() => {
      const room = this.room(roomId);
      // Thread replies loaded with their thread may be older than the oldest top-level message.
      const before = older ? room.messages.find((m) => !m.threadId)?.seq : undefined;
      if (older && before === undefined) return EMPTY;
      this.updateRoom(roomId, (r) => (older ? { ...r, loadingOlder: true } : { ...r, history: 'loading' }));
      return this.messagesApi.history(roomId, { before, limit: this.config.historyPageSize }).pipe(
        tap((page) => {
          this.updateRoom(roomId, (r) => {
            const next = reduce.messages(r, page.messages);
            // `hasMore` is about the oldest page only: a newer page says nothing of what lies before the oldest.
            const hasMore = older || r.history !== 'loaded' ? page.hasMore : r.hasMore;
            return { ...next, hasMore, loadingOlder: false, history: 'loaded', error: null };
          });
          if (!older && socket.connected && !this.room(roomId).joined) this.joinRequests.next(roomId);
        }),
        catchError((error: unknown) => {
          const e = toApiError(error);
          this.updateRoom(roomId, (r) =>
            older
              ? { ...r, loadingOlder: false }
              : { ...r, history: 'error', followed: false, error: { code: e.code === 'NETWORK' ? ErrorCode.SERVICE_UNAVAILABLE : e.code, message: e.message } },
          );
          return EMPTY;
        }),
      );
    });
  }

  private cancel$(socket: ChatClientSocket, messageId: string, disconnected$: Observable<unknown>): Observable<unknown> {
    if (!socket.connected) {
      this.notices.next({ code: ErrorCode.SERVICE_UNAVAILABLE, message: 'Cannot stop the reply while offline' });
      return EMPTY;
    }
    return this.request$<{ messageId: string }>((ack) => socket.emit(ClientEvent.AiCancel, { messageId }, ack), disconnected$).pipe(
      tap((response) => {
        if (!response.ok) this.notices.next({ code: response.error.code, message: response.error.message });
      }),
      catchError(() => EMPTY),
    );
  }

  /** typing_start on the first keystroke and again every TYPING_REFRESH_MS while it goes on; typing_stop once idle. */
  private typingOut$(socket: ChatClientSocket): Observable<unknown> {
    return this.typingInput.pipe(
      groupBy((e) => e.roomId),
      mergeMap((group) =>
        group.pipe(
          switchMap((e) => (e.active ? concat(of(true), timer(TYPING_IDLE_MS).pipe(map(() => false))) : of(false))),
          scan<boolean, TypingStep>(
            (prev, active) => {
              const now = Date.now();
              const send = active ? !prev.active || now - prev.sentAt >= TYPING_REFRESH_MS : prev.active;
              return { active, send, sentAt: send && active ? now : prev.sentAt };
            },
            { active: false, send: false, sentAt: 0 },
          ),
          filter((step) => step.send && socket.connected && this.room(group.key).joined),
          tap((step) => socket.emit(step.active ? ClientEvent.TypingStart : ClientEvent.TypingStop, { roomId: group.key })),
        ),
      ),
    );
  }

  private onDisconnect(socket: ChatClientSocket, reason: string): Observable<unknown> {
    this.updateAllRooms(reduce.disconnected);
    this.setConnection(this.isBrowserOffline() ? 'offline' : 'reconnecting');
    // The server dropped us on purpose (an ended session says so first, with an `error`) and
    // Socket.IO does not retry that case by itself: try once more, and the handshake decides.
    if (reason === 'io server disconnect') return timer(1_000).pipe(tap(() => socket.connect()));
    return EMPTY;
  }

  private onConnectError(socket: ChatClientSocket, error: Error & { data?: unknown }): Observable<unknown> {
    const data = error.data as { code?: string; message?: string } | undefined;
    if (data?.code === ErrorCode.UNAUTHORIZED) {
      this.session.expire(SESSION_ENDED_MESSAGE);
      return EMPTY;
    }
    if (this.state.value.connection !== 'connecting' || this.isBrowserOffline()) {
      this.setConnection(this.isBrowserOffline() ? 'offline' : 'reconnecting');
    }
    // A refusal that is not about the token stops Socket.IO's own retries; keep trying, slowly.
    return socket.active ? EMPTY : timer(5_000).pipe(tap(() => socket.connect()));
  }

  private onServerError(error: ErrorPayload): void {
    if (error.code === ErrorCode.UNAUTHORIZED) {
      this.session.expire(error.message ? `${error.message}. Please sign in again.` : SESSION_ENDED_MESSAGE);
      return;
    }
    // Failures of requests with an acknowledgement are shown where they happened; the
    // assistant's arrive later, on their own.
    if (error.code.startsWith('AI_')) this.notices.next({ code: error.code, message: error.message });
  }

  private networkStatus$(socket: ChatClientSocket): Observable<unknown> {
    if (!this.window) return EMPTY;
    return merge(
      fromEvent(this.window, 'offline').pipe(tap(() => this.setConnection('offline'))),
      fromEvent(this.window, 'online').pipe(
        tap(() => {
          if (socket.connected) return;
          this.setConnection('reconnecting');
          socket.connect();
        }),
      ),
    );
  }

  /** A change to a message, acknowledged with the message after it; applied here at once. */
  private change$(emit: (socket: ChatClientSocket, ack: Ack<MessageUpdatedPayload>) => void): Observable<MessageUpdatedPayload> {
    return this.ask$(emit).pipe(tap((p) => this.updateRoom(p.message.roomId, (r) => reduce.messageUpdated(r, p))));
  }

  /** A request of the user's that needs the connection: refused at once while offline, errors as ChatRequestError. */
  private ask$<T extends object>(emit: (socket: ChatClientSocket, ack: Ack<T>) => void): Observable<T> {
    return defer(() => {
      const socket = this.socket;
      if (!socket?.connected) return throwError(() => new DisconnectedError());
      return this.request$<T>((ack) => emit(socket, ack), this.disconnected$).pipe(
        mergeMap((response) => {
          if (response.ok) return of(stripOk(response));
          if (response.error.code === ErrorCode.UNAUTHORIZED) this.session.expire(SESSION_ENDED_MESSAGE);
          return throwError(() => new ChatRequestError(response.error));
        }),
      );
    });
  }

  /** Emits with an acknowledgement; errors when the connection drops or no answer comes in time. */
  private request$<T extends object>(emit: (ack: Ack<T>) => void, disconnected$: Observable<unknown>): Observable<AckResponse<T>> {
    const answer$ = new Observable<AckResponse<T>>((subscriber) => {
      let open = true;
      emit((response) => {
        if (!open) return;
        subscriber.next(response);
        subscriber.complete();
      });
      return () => {
        open = false;
      };
    });
    return race(
      answer$,
      disconnected$.pipe(
        take(1),
        mergeMap(() => throwError(() => new DisconnectedError())),
      ),
      timer(this.config.ackTimeoutMs).pipe(mergeMap(() => throwError(() => new AckTimeoutError()))),
    );
  }

  private isBrowserOffline(): boolean {
    return this.window?.navigator.onLine === false;
  }

  private setConnection(connection: ConnectionState): void {
    if (this.state.value.connection !== connection) this.state.next({ ...this.state.value, connection });
  }

  private room(roomId: string): RoomState {
    return this.state.value.rooms[roomId] ?? this.emptyRoom(roomId);
  }

  private emptyRoom(roomId: string): RoomState {
    let room = this.emptyRooms.get(roomId);
    if (!room) this.emptyRooms.set(roomId, (room = emptyRoom(roomId)));
    return room;
  }

  private updateRoom(roomId: string, change: (room: RoomState) => RoomState): void {
    const current = this.room(roomId);
    const next = change(current);
    if (next === current) return;
    const s = this.state.value;
    this.state.next({ ...s, rooms: { ...s.rooms, [roomId]: next } });
  }

  private updateAllRooms(change: (room: RoomState) => RoomState): void {
    const s = this.state.value;
    this.state.next({ ...s, rooms: Object.fromEntries(Object.entries(s.rooms).map(([id, r]) => [id, change(r)])) });
  }
}

function stripOk<T extends object>(response: { ok: true } & T): T {
  const { ok: _ok, ...payload } = response;
  return payload as unknown as T;
}

function describeSendError(error: ErrorPayload): string {
  if (error.code === ErrorCode.RATE_LIMITED && error.retryAfterMs) {
    return `Sending too fast: try again in ${Math.ceil(error.retryAfterMs / 1000)} s`;
  }
  return error.details?.length ? `${error.message}: ${error.details.join('; ')}` : error.message;
}
