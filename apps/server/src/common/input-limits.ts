import { ErrorCode, HttpErrorBody, JSON_MAX_DEPTH } from '@chat/contract';
import { Logger } from '@nestjs/common';
import { AppException, HTTP_STATUS_BY_CODE } from './app-exception.js';
import type { NextFunction, Request, Response } from 'express';

/**
 * How deep a parsed JSON value nests, counted without recursion (a 3,000-deep body must not blow
 * the stack here either); stops as soon as `limit` is passed.
 */
export function exceedsDepth(value: unknown, limit = JSON_MAX_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth + 1 > limit) return true;
    for (const child of Object.values(current)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}

/** Whether any string or key in a parsed JSON value holds U+0000, which PostgreSQL text cannot store. */
export function containsNul(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current === 'string') {
      if (current.includes('\u0000')) return true;
    } else if (typeof current === 'object' && current !== null) {
      for (const [key, child] of Object.entries(current)) {
        if (key.includes('\u0000')) return true;
        stack.push(child);
      }
    }
  }
  return false;
}

const logger = new Logger('Http');

/** For middleware that answers before Nest's filters are reached, in the same shape. */
export function sendAppException(res: Response, error: AppException): void {
  const statusCode = HTTP_STATUS_BY_CODE[error.code];
  const body: HttpErrorBody = { statusCode, code: error.code, message: error.message, ...error.extra };
  res.status(statusCode).json(body);
}

function refuse(req: Request, res: Response, message: string): void {
  const body: HttpErrorBody = { statusCode: 400, code: ErrorCode.VALIDATION_FAILED, message, details: [message] };
  // Same line as HttpExceptionFilter's for a client error; the path is not echoed, it may hold the NUL.
  logger.warn(`${req.method} 400 ${body.code}: ${message}`);
  res.status(400).json(body);
}

/** A NUL in the raw URL, percent-encoded (how it arrives) or not. */
const hasNul = (url: string) => /%00/i.test(url) || url.includes('\u0000');

/**
 * Runs after the JSON parsers and before any route: refuses what would otherwise reach validation
 * or the database and fail there as a 500. `bodyNulAllowed` names routes whose body decides about
 * NUL itself (a knowledge upload with NUL is a binary file: 415).
 */
export function inputLimits(options: { bodyNulAllowed: (path: string) => boolean }) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (hasNul(req.originalUrl)) return refuse(req, res, 'The path and query must not contain NUL characters');
    if (req.body !== undefined && typeof req.body === 'object') {
      if (exceedsDepth(req.body)) return refuse(req, res, `The body must not nest deeper than ${JSON_MAX_DEPTH} levels`);
      if (!options.bodyNulAllowed(req.path) && containsNul(req.body)) return refuse(req, res, 'The body must not contain NUL characters');
    }
    next();
  };
}
