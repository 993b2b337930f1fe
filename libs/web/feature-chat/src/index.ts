import type { Routes } from '@angular/router';

/** /rooms and /rooms/:roomId. */
export const chatRoutes: Routes = [
  {
    path: '',
    loadComponent: () => import('./lib/layout/chat-layout.component').then((m) => m.ChatLayoutComponent),
    children: [
      { path: '', loadComponent: () => import('./lib/layout/room-placeholder.component').then((m) => m.RoomPlaceholderComponent) },
      { path: ':roomId', loadComponent: () => import('./lib/room/room-page.component').then((m) => m.RoomPageComponent) },
    ],
  },
];

/** /knowledge/:documentId, where citations lead. */
export const knowledgeRoutes: Routes = [
  {
    path: ':documentId',
    loadComponent: () => import('./lib/knowledge/knowledge-document-page.component').then((m) => m.KnowledgeDocumentPageComponent),
  },
];
