import type { Routes } from '@angular/router';

/** /admin, /admin/users, /admin/usage, /admin/audit, /admin/knowledge, /admin/webhooks (the app guards them for admins). */
export const adminRoutes: Routes = [
  {
    path: '',
    loadComponent: () => import('./lib/admin-layout.component').then((m) => m.AdminLayoutComponent),
    children: [
      { path: '', loadComponent: () => import('./lib/overview/admin-overview.component').then((m) => m.AdminOverviewComponent) },
      { path: 'users', loadComponent: () => import('./lib/users/admin-users.component').then((m) => m.AdminUsersComponent) },
      { path: 'usage', loadComponent: () => import('./lib/usage/admin-usage.component').then((m) => m.AdminUsageComponent) },
      { path: 'audit', loadComponent: () => import('./lib/audit/admin-audit.component').then((m) => m.AdminAuditComponent) },
      { path: 'knowledge', loadComponent: () => import('./lib/knowledge/admin-knowledge.component').then((m) => m.AdminKnowledgeComponent) },
      { path: 'webhooks', loadComponent: () => import('./lib/webhooks/admin-webhooks.component').then((m) => m.AdminWebhooksComponent) },
    ],
  },
];

/** /keys: the signed-in user's own API keys (every user, not only admins). */
export const apiKeysRoutes: Routes = [{ path: '', loadComponent: () => import('./lib/api-keys/api-keys.component').then((m) => m.ApiKeysComponent) }];
