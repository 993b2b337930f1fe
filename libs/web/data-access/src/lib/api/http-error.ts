import { HttpErrorResponse } from '@angular/common/http';
import type { ErrorCode, HttpErrorBody } from '@chat/contract';

/** A REST failure reduced to what the console shows: the server's code and message. */
export interface ApiError {
  status: number;
  code: ErrorCode | 'NETWORK';
  message: string;
  details?: string[];
}

function isErrorBody(value: unknown): value is HttpErrorBody {
  return typeof value === 'object' && value !== null && typeof (value as HttpErrorBody).code === 'string' && typeof (value as HttpErrorBody).message === 'string';
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof HttpErrorResponse) {
    if (isErrorBody(error.error)) {
      return { status: error.status, code: error.error.code, message: error.error.message, details: error.error.details };
    }
    if (error.status === 0) return { status: 0, code: 'NETWORK', message: 'The server cannot be reached. Check your connection.' };
    return { status: error.status, code: error.status === 404 ? 'NOT_FOUND' : 'INTERNAL', message: `The server answered ${error.status} ${error.statusText}`.trim() };
  }
  return { status: 0, code: 'INTERNAL', message: error instanceof Error ? error.message : 'Something went wrong' };
}

/** One line for the user, with validation details when there are any. */
export function describeApiError(error: unknown): string {
  const e = toApiError(error);
  return e.details?.length ? `${e.message}: ${e.details.join('; ')}` : e.message;
}
