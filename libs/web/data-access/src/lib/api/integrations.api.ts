import { HttpClient } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import type { ApiKeyView, CreateApiKeyRequest, CreatedApiKey, CreatedWebhook, CreateWebhookRequest, UpdateWebhookRequest, WebhookDeliveryView, WebhookView } from '@chat/contract';
import type { Observable } from 'rxjs';
import { apiUrl } from './api-url';

/** The caller's API keys (any signed-in user). */
@Injectable({ providedIn: 'root' })
export class ApiKeysApi {
  private readonly http = inject(HttpClient);
  private readonly url = apiUrl();

  list(): Observable<ApiKeyView[]> {
    return this.http.get<ApiKeyView[]>(this.url('api-keys'));
  }

  create(request: CreateApiKeyRequest): Observable<CreatedApiKey> {
    return this.http.post<CreatedApiKey>(this.url('api-keys'), request);
  }

  revoke(id: string): Observable<void> {
    return this.http.delete<void>(this.url(`api-keys/${encodeURIComponent(id)}`));
  }
}

/** Webhooks the caller owns (admins: all). */
@Injectable({ providedIn: 'root' })
export class WebhooksApi {
  private readonly http = inject(HttpClient);
  private readonly url = apiUrl();

  list(): Observable<WebhookView[]> {
    return this.http.get<WebhookView[]>(this.url('webhooks'));
  }

  create(request: CreateWebhookRequest): Observable<CreatedWebhook> {
    return this.http.post<CreatedWebhook>(this.url('webhooks'), request);
  }

  update(id: string, request: UpdateWebhookRequest): Observable<WebhookView> {
    return this.http.patch<WebhookView>(this.url(`webhooks/${encodeURIComponent(id)}`), request);
  }

  remove(id: string): Observable<void> {
    return this.http.delete<void>(this.url(`webhooks/${encodeURIComponent(id)}`));
  }

  test(id: string): Observable<WebhookDeliveryView> {
    return this.http.post<WebhookDeliveryView>(this.url(`webhooks/${encodeURIComponent(id)}/test`), {});
  }

  deliveries(id: string): Observable<WebhookDeliveryView[]> {
    return this.http.get<WebhookDeliveryView[]>(this.url(`webhooks/${encodeURIComponent(id)}/deliveries?limit=20`));
  }
}
