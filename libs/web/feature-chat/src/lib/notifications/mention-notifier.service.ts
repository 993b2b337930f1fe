import { DOCUMENT, inject, Injectable, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { Router } from '@angular/router';
import type { ChatMessage } from '@chat/contract';
import { ChatRealtimeService, LOCAL_STORAGE } from '@chat/web-data-access';
import { messageContextParams } from '@chat/web-util';
import { filter, tap } from 'rxjs';

/** Set once the user answered the in-app question (either way), so it is never asked again. */
const ASKED_KEY = 'chat.notifications.asked';
const BODY_MAX = 140;

export type NotificationAsk = 'unsupported' | 'ask' | 'granted' | 'denied' | 'dismissed';

/**
 * A browser notification when someone @-mentions the user while this tab is hidden. Permission is
 * asked for only after the user presses the in-app button, once; "Not now" is remembered too.
 */
@Injectable({ providedIn: 'root' })
export class MentionNotifier {
  private readonly document = inject(DOCUMENT);
  private readonly router = inject(Router);
  private readonly storage = inject(LOCAL_STORAGE);
  private readonly window = this.document.defaultView;

  readonly ask = signal<NotificationAsk>(this.currentAsk());

  constructor() {
    inject(ChatRealtimeService)
      .mentioned$.pipe(
        filter(() => this.document.visibilityState === 'hidden' && this.permission() === 'granted'),
        tap(({ message }) => this.show(message)),
        takeUntilDestroyed(),
      )
      .subscribe();
  }

  /** Asks the browser, from a click of the user's. */
  async enable(): Promise<void> {
    const api = this.api();
    if (!api) return;
    this.storage.setItem(ASKED_KEY, '1');
    await api.requestPermission();
    this.ask.set(this.currentAsk());
  }

  dismiss(): void {
    this.storage.setItem(ASKED_KEY, '1');
    this.ask.set(this.currentAsk());
  }

  private show(message: ChatMessage): void {
    const api = this.api();
    if (!api) return;
    const text = message.content.replace(/\s+/g, ' ').trim();
    const notification = new api(`${message.displayName || message.username} mentioned you`, {
      body: text.length > BODY_MAX ? `${text.slice(0, BODY_MAX - 1)}…` : text,
      // One notification per message, even if it arrives on several sockets.
      tag: `mention:${message.id}`,
    });
    notification.onclick = () => {
      this.window?.focus();
      void this.router.navigate(['/rooms', message.roomId], { queryParams: messageContextParams(message) });
      notification.close();
    };
  }

  private api(): typeof Notification | null {
    const api = (this.window as (Window & { Notification?: typeof Notification }) | null)?.Notification;
    return api ?? null;
  }

  private permission(): NotificationPermission | null {
    return this.api()?.permission ?? null;
  }

  private currentAsk(): NotificationAsk {
    const permission = this.permission();
    if (permission === null) return 'unsupported';
    if (permission === 'granted') return 'granted';
    if (permission === 'denied') return 'denied';
    return this.storage.getItem(ASKED_KEY) ? 'dismissed' : 'ask';
  }
}
