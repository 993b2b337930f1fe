import { Route } from '@angular/router';
import { adminGuard, authGuard } from '@chat/web-data-access';

/** Every page is its own lazy chunk; /rooms/:roomId opens directly from a shared link. */
export const appRoutes: Route[] = [
  { path: '', pathMatch: 'full', redirectTo: 'rooms' },
  { path: 'login', loadChildren: () => import('@chat/web-feature-auth').then((m) => m.authRoutes) },
  { path: 'rooms', canActivate: [authGuard], loadChildren: () => import('@chat/web-feature-chat').then((m) => m.chatRoutes) },
  { path: 'knowledge', canActivate: [authGuard], loadChildren: () => import('@chat/web-feature-chat').then((m) => m.knowledgeRoutes) },
  { path: 'admin', canActivate: [adminGuard], loadChildren: () => import('@chat/web-feature-admin').then((m) => m.adminRoutes) },
  { path: 'keys', canActivate: [authGuard], loadChildren: () => import('@chat/web-feature-admin').then((m) => m.apiKeysRoutes) },
  { path: '**', redirectTo: 'rooms' },
];
