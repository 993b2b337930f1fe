import { TestBed } from '@angular/core/testing';
import type { AuditEntry, AuditPage } from '@chat/contract';
import { AdminApi, AuditFilter, UsersApi } from '@chat/web-data-access';
import { of } from 'rxjs';
import { AdminAuditComponent } from './admin-audit.component';

const entry = (id: string, action: AuditEntry['action'] = 'room.member_removed'): AuditEntry => ({
  id,
  at: '2026-12-01T10:00:00.000Z',
  action,
  actorId: 'a1',
  actorUsername: 'admin',
  targetType: 'user',
  targetId: 'u-bob',
  roomId: 'finance',
  ip: '10.0.0.1',
  requestId: 'r1',
  details: { username: 'bob' },
});

describe(AdminAuditComponent.name, () => {
  function setup(pages: (filter: AuditFilter, before?: string) => AuditPage) {
    const calls: { filter: AuditFilter; before?: string }[] = [];
    TestBed.configureTestingModule({
      providers: [
        { provide: AdminApi, useValue: { audit: (filter: AuditFilter, before?: string) => (calls.push({ filter, before }), of(pages(filter, before))) } },
        { provide: UsersApi, useValue: { list: () => of([]) } },
      ],
    });
    const fixture = TestBed.createComponent(AdminAuditComponent);
    return { fixture, calls, el: fixture.nativeElement as HTMLElement };
  }
  const rows = (el: HTMLElement) => [...el.querySelectorAll('[data-testid=audit-entries] tbody tr')].map((tr) => tr.textContent?.replace(/\s+/g, ' ').trim());

  it('should list the newest entries, then append older ones from the last id', async () => {
    const { fixture, calls, el } = setup((_filter, before) => (before ? { entries: [entry('1')], hasMore: false } : { entries: [entry('3'), entry('2')], hasMore: true }));
    await fixture.whenStable();
    expect(rows(el)).toHaveLength(2);
    (el.querySelector('button[type=button]') as HTMLButtonElement).click();
    await fixture.whenStable();
    expect(calls.at(-1)?.before).toBe('2');
    expect(rows(el)).toHaveLength(3);
    expect(el.querySelector('button[type=button]')).toBeNull();
  });

  it('should send the filters and replace the list with their answer', async () => {
    const { fixture, calls, el } = setup((filter) => ({ entries: filter.action ? [entry('9', 'auth.login')] : [entry('3'), entry('2')], hasMore: false }));
    await fixture.whenStable();
    (el.querySelector('#audit-action') as HTMLSelectElement).value = 'auth.login';
    (el.querySelector('#audit-room') as HTMLInputElement).value = ' finance ';
    (el.querySelector('form') as HTMLFormElement).dispatchEvent(new Event('submit'));
    await fixture.whenStable();
    expect(calls.at(-1)?.filter).toMatchObject({ action: 'auth.login', roomId: 'finance' });
    expect(rows(el)).toEqual([expect.stringContaining('auth.login')]);
  });
});
