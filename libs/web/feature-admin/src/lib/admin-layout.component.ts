import { ChangeDetectionStrategy, Component } from '@angular/core';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';

@Component({
  selector: 'chat-admin-layout',
  imports: [RouterOutlet, RouterLink, RouterLinkActive],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="admin">
      <nav class="tabs" aria-label="Administration">
        <a routerLink="/admin" [routerLinkActiveOptions]="{ exact: true }" routerLinkActive="active" ariaCurrentWhenActive="page">Overview</a>
        <a routerLink="/admin/users" routerLinkActive="active" ariaCurrentWhenActive="page">Users</a>
        <a routerLink="/admin/usage" routerLinkActive="active" ariaCurrentWhenActive="page">Usage &amp; budgets</a>
        <a routerLink="/admin/audit" routerLinkActive="active" ariaCurrentWhenActive="page">Audit log</a>
        <a routerLink="/admin/knowledge" routerLinkActive="active" ariaCurrentWhenActive="page">Knowledge</a>
        <a routerLink="/admin/webhooks" routerLinkActive="active" ariaCurrentWhenActive="page">Webhooks</a>
      </nav>
      <router-outlet />
    </div>
  `,
  styles: `
    :host { display: block; height: 100%; overflow-y: auto; }
    .admin { max-width: 72rem; margin: 0 auto; padding: 0.75rem; box-sizing: border-box; }
    .tabs { display: flex; gap: 0.25rem; border-bottom: 1px solid var(--c-border); margin-bottom: 1rem; overflow-x: auto; }
    .tabs a { padding: 0.5rem 0.8rem; text-decoration: none; color: var(--c-text-muted); border-bottom: 2px solid transparent; white-space: nowrap; }
    .tabs a.active { color: var(--c-text); border-bottom-color: var(--c-accent); font-weight: 600; }
  `,
})
export class AdminLayoutComponent {}
