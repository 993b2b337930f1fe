import type { Routes } from '@angular/router';

/** /admin, /admin/users, /admin/knowledge (the app guards them for admins). */
export const adminRoutes: Routes = [
  {
    path: '',
    loadComponent: () => import('./lib/admin-layout.component').then((m) => m.AdminLayoutComponent),
    children: [
      { path: '', loadComponent: () => import('./lib/overview/admin-overview.component').then((m) => m.AdminOverviewComponent) },
      { path: 'users', loadComponent: () => import('./lib/users/admin-users.component').then((m) => m.AdminUsersComponent) },
      { path: 'knowledge', loadComponent: () => import('./lib/knowledge/admin-knowledge.component').then((m) => m.AdminKnowledgeComponent) },
    ],
  },
];
