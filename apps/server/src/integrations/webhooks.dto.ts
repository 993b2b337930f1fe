import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayNotEmpty, ArrayUnique, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { ROOM_ID_PATTERN, WEBHOOK_EVENTS, WEBHOOK_TEST_EVENT } from '@chat/contract';
import type { CreatedWebhook, CreateWebhookRequest, UpdateWebhookRequest, WebhookAttempt, WebhookDeliveryStatus, WebhookDeliveryView, WebhookEvent, WebhookView } from '@chat/contract';

const URL_DESCRIPTION = 'https:// (http:// and private addresses only with WEBHOOK_ALLOW_PRIVATE=true); no credentials in the URL';

export class CreateWebhookDto implements CreateWebhookRequest {
  @ApiProperty({ example: 'https://hooks.example.com/chat', maxLength: 2048, description: URL_DESCRIPTION })
  @IsString()
  @MaxLength(2048)
  url: string;

  @ApiProperty({ enum: WEBHOOK_EVENTS, isArray: true, example: ['message.created'] })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @IsIn(WEBHOOK_EVENTS, { each: true, message: `each event must be one of ${WEBHOOK_EVENTS.join(', ')}` })
  events: WebhookEvent[];

  @ApiPropertyOptional({ nullable: true, type: String, example: 'general', description: 'Omitted or null: every room (admins only); a room: its owner or an admin' })
  @IsOptional()
  @Matches(ROOM_ID_PATTERN, { message: 'roomId must be a room id' })
  roomId?: string | null;
}

export class UpdateWebhookDto implements UpdateWebhookRequest {
  @ApiPropertyOptional({ maxLength: 2048, description: URL_DESCRIPTION })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional({ enum: WEBHOOK_EVENTS, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @IsIn(WEBHOOK_EVENTS, { each: true, message: `each event must be one of ${WEBHOOK_EVENTS.join(', ')}` })
  events?: WebhookEvent[];

  @ApiPropertyOptional({ description: 'true re-enables a hook disabled after failing deliveries' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class DeliveriesQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

export class WebhookViewDto implements WebhookView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() url: string;
  @ApiProperty({ enum: WEBHOOK_EVENTS, isArray: true }) events: WebhookEvent[];
  @ApiProperty({ nullable: true, type: String }) roomId: string | null;
  @ApiProperty({ format: 'uuid' }) ownerId: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'Set when repeated failures disabled it' }) disabledAt: string | null;
  @ApiProperty({ nullable: true, type: String }) disabledReason: string | null;
}

export class CreatedWebhookDto extends WebhookViewDto implements CreatedWebhook {
  @ApiProperty({ example: 'whsec_…', description: 'The signing secret; shown once. X-Chat-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">' }) secret: string;
}

class WebhookAttemptDto implements WebhookAttempt {
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ nullable: true, type: Number }) statusCode: number | null;
  @ApiProperty() durationMs: number;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
}

export class WebhookDeliveryViewDto implements WebhookDeliveryView {
  @ApiProperty({ format: 'uuid', description: 'Also the X-Chat-Delivery header' }) id: string;
  @ApiProperty({ format: 'uuid' }) webhookId: string;
  @ApiProperty({ enum: [...WEBHOOK_EVENTS, WEBHOOK_TEST_EVENT] }) type: WebhookDeliveryView['type'];
  @ApiProperty({ enum: ['pending', 'delivered', 'failed'] }) status: WebhookDeliveryStatus;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) nextAttemptAt: string | null;
  @ApiProperty({ type: [WebhookAttemptDto] }) attempts: WebhookAttemptDto[];
}
