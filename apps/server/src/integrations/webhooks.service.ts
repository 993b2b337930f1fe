import { Inject, Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { ErrorCode, WEBHOOK_TEST_EVENT } from '@chat/contract';
import type { CreatedWebhook, WebhookDeliveryView, WebhookView } from '@chat/contract';
import type { AuthUser } from '../auth/auth.types.js';
import { AuditService } from '../audit/audit.service.js';
import { AppException } from '../common/app-exception.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { RoomsService } from '../rooms/rooms.service.js';
import { ForbiddenTargetError, resolveAllowed } from './ssrf-guard.js';
import { webhookBody } from './webhook-delivery.js';
import type { CreateWebhookDto, UpdateWebhookDto } from './webhooks.dto.js';
import { WebhooksRepository } from './webhooks.repository.js';

const DELIVERIES_DEFAULT = 50;

@Injectable()
export class WebhooksService {
  constructor(
    private readonly hooks: WebhooksRepository,
    private readonly rooms: RoomsService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Admins: any room or every room; a room's owner: that room. */
  async create(user: AuthUser, dto: CreateWebhookDto): Promise<CreatedWebhook> {
    const roomId = dto.roomId ?? null;
    if (roomId === null) {
      if (user.role !== 'admin') throw AppException.forbidden('Only admins can create hooks for every room; give a roomId you own');
    } else {
      const { myRole } = await this.rooms.access(user, roomId);
      if (user.role !== 'admin' && myRole !== 'owner') throw AppException.forbidden('Only the room owner or an admin can add hooks to this room');
    }
    const url = await this.checkUrl(dto.url);
    // Kept as is (not hashed): every delivery is signed with it.
    const secret = `whsec_${randomBytes(32).toString('base64url')}`;
    const hook = await this.hooks.insert({ ownerId: user.id, url, events: dto.events, roomId, secret });
    await this.audit.recordAlone({ action: 'webhook.created', actor: user, target: { type: 'webhook', id: hook.id }, ...(roomId ? { roomId } : {}), details: { url, events: dto.events } });
    return { ...hook, secret };
  }

  list(user: AuthUser): Promise<WebhookView[]> {
    return this.hooks.list(user.role === 'admin' ? null : user.id);
  }

  get(user: AuthUser, id: string): Promise<WebhookView> {
    return this.visible(user, id);
  }

  async update(user: AuthUser, id: string, dto: UpdateWebhookDto): Promise<WebhookView> {
    const before = await this.visible(user, id);
    const url = dto.url === undefined ? undefined : await this.checkUrl(dto.url);
    const after = await this.hooks.update(id, { url, events: dto.events, enable: dto.enabled === true });
    await this.audit.recordAlone({
      action: 'webhook.updated',
      actor: user,
      target: { type: 'webhook', id },
      details: { url: url ?? before.url, events: after.events, ...(dto.enabled === true && before.disabledAt ? { reenabled: true } : {}) },
    });
    return after;
  }

  async remove(user: AuthUser, id: string): Promise<void> {
    const hook = await this.visible(user, id);
    await this.hooks.delete(id);
    await this.audit.recordAlone({ action: 'webhook.deleted', actor: user, target: { type: 'webhook', id }, details: { url: hook.url } });
  }

  /** Queues a `webhook.test` delivery; it goes out like any other (signed, retried). */
  async test(user: AuthUser, id: string): Promise<WebhookDeliveryView> {
    const hook = await this.visible(user, id);
    const eventId = randomUUID();
    const [deliveryId] = await this.hooks.enqueue([
      { webhookId: id, eventId, type: WEBHOOK_TEST_EVENT, body: webhookBody(WEBHOOK_TEST_EVENT, eventId, new Date(), { roomId: hook.roomId, webhookId: id }) },
    ]);
    return this.hooks.delivery(deliveryId);
  }

  async deliveries(user: AuthUser, id: string, limit = DELIVERIES_DEFAULT): Promise<WebhookDeliveryView[]> {
    await this.visible(user, id);
    return this.hooks.deliveries(id, limit);
  }

  /** 404 for a hook that is not the caller's (admins see every hook). */
  private async visible(user: AuthUser, id: string): Promise<WebhookView> {
    const hook = await this.hooks.find(id, user.role === 'admin' ? null : user.id);
    if (!hook) throw new AppException(ErrorCode.NOT_FOUND, 'Webhook not found');
    return hook;
  }

  /** Also checked again at every delivery (and pinned for the connection), since DNS answers change. */
  private async checkUrl(raw: string): Promise<string> {
    const allowPrivate = this.config.integrations.webhookAllowPrivate;
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw AppException.validation(['url must be an absolute URL']);
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowPrivate)) {
      throw AppException.validation([allowPrivate ? 'url must be http:// or https://' : 'url must be https:// (plain http:// only with WEBHOOK_ALLOW_PRIVATE=true)']);
    }
    if (url.username || url.password) throw AppException.validation(['url must not contain credentials; the signature authenticates deliveries']);
    try {
      await resolveAllowed(url.hostname, allowPrivate);
    } catch (error) {
      if (error instanceof ForbiddenTargetError) throw AppException.validation([`url refused: ${error.message}`]);
      throw AppException.validation([`url's host ${url.hostname} does not resolve`]);
    }
    return url.toString();
  }
}
