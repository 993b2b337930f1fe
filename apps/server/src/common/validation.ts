import { ValidationError, validateSync } from 'class-validator';
import { plainToInstance } from 'class-transformer';
import { ArgumentMetadata, Injectable, PipeTransform, ValidationPipe } from '@nestjs/common';
import { JSON_MAX_DEPTH } from '@chat/contract';
import { AppException } from './app-exception.js';
import { exceedsDepth } from './input-limits.js';

/** For names that are trimmed before they are stored: MinLength(1) alone lets "   " through as "". */
export const NOT_BLANK = /\S/;

export function flattenValidationErrors(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((text) => text.replace(error.property, path));
    return [...own, ...flattenValidationErrors(error.children ?? [], path)];
  });
}

/**
 * REST body/query validation: unknown fields are rejected, failures become VALIDATION_FAILED.
 * Applied per controller, not globally, because global pipes also run on socket events, whose
 * payloads have their own (more lenient) rules.
 */
export const HttpValidationPipe = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  exceptionFactory: (errors) => AppException.validation(flattenValidationErrors(errors)),
});

/** Turns an untrusted socket payload into a validated DTO or throws VALIDATION_FAILED. */
export function parsePayload<T extends object>(dto: new () => T, value: unknown, what = 'payload'): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw AppException.validation([`${what} must be an object`]);
  }
  if (exceedsDepth(value)) throw AppException.validation([`${what} must not nest deeper than ${JSON_MAX_DEPTH} levels`]);
  const instance = plainToInstance(dto, value);
  const errors = validateSync(instance, { whitelist: true, forbidUnknownValues: true });
  if (errors.length > 0) throw AppException.validation(flattenValidationErrors(errors));
  return instance;
}

type FastPath = (value: Record<string, unknown>) => object | null;
const fastPaths = new Map<new () => object, FastPath>();

/**
 * A hand-written check for one hot socket payload, run before class-validator: it returns the DTO
 * when every rule passes (built as class-validator would, unknown fields dropped) or null, and
 * then the DTO's decorators run as usual, so a refusal carries exactly their messages. The
 * decorators stay the one statement of the rules (and of the OpenAPI schema); the fast path only
 * spares a valid payload the reflection-driven walk, the largest part of an event's CPU.
 */
export function registerFastPath<T extends object>(dto: new () => T, accept: (value: Record<string, unknown>) => T | null): void {
  fastPaths.set(dto, accept);
}

/**
 * Socket payload pipe. Unknown fields are dropped rather than refused: seed clients and future
 * clients may send extras, and the protocol must keep accepting them.
 */
@Injectable()
export class WsPayloadPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'body' || !metadata.metatype || metadata.metatype === Object) return value;
    const dto = metadata.metatype as new () => object;
    const fast = fastPaths.get(dto);
    if (fast && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const accepted = fast(value as Record<string, unknown>);
      if (accepted) return accepted;
    }
    return parsePayload(dto, value);
  }
}
