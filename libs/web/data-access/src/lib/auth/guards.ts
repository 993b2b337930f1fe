import { inject } from '@angular/core';
import { CanActivateFn, Router } from '@angular/router';
import { SessionStore } from './session.store';

/** Signed-in users only; others go to sign-in and come back afterwards. */
export const authGuard: CanActivateFn = (_route, state) =>
  inject(SessionStore).isSignedIn() || inject(Router).createUrlTree(['/login'], { queryParams: { returnUrl: state.url } });

/** Admins only; staff are sent to their rooms. */
export const adminGuard: CanActivateFn = (_route, state) => {
  const session = inject(SessionStore);
  const router = inject(Router);
  if (!session.isSignedIn()) return router.createUrlTree(['/login'], { queryParams: { returnUrl: state.url } });
  return session.isAdmin() || router.createUrlTree(['/rooms']);
};

/** The sign-in page is for signed-out users. */
export const guestGuard: CanActivateFn = () => !inject(SessionStore).isSignedIn() || inject(Router).createUrlTree(['/rooms']);
