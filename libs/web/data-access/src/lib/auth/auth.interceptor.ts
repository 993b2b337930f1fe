import { HttpErrorResponse, HttpInterceptorFn } from '@angular/common/http';
import { inject } from '@angular/core';
import { catchError, throwError } from 'rxjs';
import { CHAT_CONFIG } from '../config';
import { SessionStore } from './session.store';

/** Adds the bearer token to API calls; a 401 on a call that carried one ends the session. */
export const authInterceptor: HttpInterceptorFn = (request, next) => {
  const session = inject(SessionStore);
  const apiPrefix = `${inject(CHAT_CONFIG).apiBaseUrl}/api/`;
  const token = session.token;
  const isApi = request.url.startsWith(apiPrefix);
  const sent = token && isApi ? request.clone({ setHeaders: { Authorization: `Bearer ${token}` } }) : request;
  return next(sent).pipe(
    catchError((error: unknown) => {
      if (token && isApi && error instanceof HttpErrorResponse && error.status === 401) session.expire();
      return throwError(() => error);
    }),
  );
};
