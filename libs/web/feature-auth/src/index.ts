import type { Routes } from '@angular/router';
import { guestGuard } from '@chat/web-data-access';

export const authRoutes: Routes = [
  {
    path: '',
    canActivate: [guestGuard],
    loadComponent: () => import('./lib/login-page.component').then((m) => m.LoginPageComponent),
  },
];
