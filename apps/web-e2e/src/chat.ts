// Shared steps for the browser specs: REST set-up as the admin (users, rooms, seeded messages),
// signing in through the console, and watching a page for console errors. Every spec makes its own
// users and rooms with random suffixes, so specs neither see nor depend on each other's data.

import type { Browser, BrowserContextOptions, Page, Route } from '@playwright/test';
import { deepEqual } from 'node:assert/strict';
import { randomBytes } from 'node:crypto';

export interface User {
  id: string;
  username: string;
  displayName: string;
  password: string;
  token: string;
}

export interface StoredMessage {
  id: string;
  seq: number;
  content: string;
  isAi: boolean;
  status: string;
}

export interface Room {
  id: string;
  name: string;
}

export const PASSWORD = 'e2e-password-123';

/** Generous limits: the machine is shared and slow, but nothing should wait forever. */
export const T = Object.freeze({ page: 20_000, live: 10_000, quick: 5_000 });

export const sel = Object.freeze({
  connection: '[data-testid=connection-indicator]',
  connected: '[data-testid=connection-indicator][data-state=connected]',
  composer: '[data-testid=composer-input]',
  send: '[data-testid=send-button]',
  askAi: '[data-testid=ask-ai-toggle]',
  list: '[data-testid=message-list]',
  item: '[data-testid=message-item]',
  stored: '[data-testid=message-item][data-seq]',
  typing: '[data-testid=typing-indicator]',
});

/** The console's controls, found the way a user finds them: by role and label. */
export const loginUsername = (page: Page) => page.getByLabel('Username');
export const loginPassword = (page: Page) => page.getByLabel('Password');
export const signInButton = (page: Page) => page.getByRole('button', { name: 'Sign in' });
export const composer = (page: Page) => page.getByLabel('Message', { exact: true });
export const sendButton = (page: Page) => page.getByRole('button', { name: 'Send', exact: true });
export const askAiToggle = (page: Page) => page.getByRole('button', { name: 'Ask AI' });

export const suffix = () => randomBytes(4).toString('hex');

/** A REST client for one server; `as(token)` signs the requests. */
interface CallOptions {
  token?: string;
  body?: unknown;
  expect?: number[];
}

export function restClient(baseUrl: string) {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON from the server, shaped by each caller
  async function call<T = any>(method: string, path: string, { token, body, expect = [200, 201, 204] }: CallOptions = {}): Promise<T> {
    const res = await fetch(`${baseUrl}/api${path}`, {
      method,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(T.live),
    });
    const text = await res.text();
    if (!expect.includes(res.status)) throw new Error(`${method} /api${path} answered ${res.status}: ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
  return {
    call,
    async login(username: string, password: string) {
      const { accessToken, user } = await call<{ accessToken: string; user: User }>('POST', '/auth/login', { body: { username, password } });
      return { token: accessToken, user };
    },
  };
}

/** The admin's token per server, shared by the specs of a run: sign-in is rate-limited per address and username. */
const adminTokens = new Map<string, Promise<string>>();

/** The admin's REST session and the set-up steps that need it. */
export async function adminApi(baseUrl: string, admin: { username: string; password: string }) {
  const rest = restClient(baseUrl);
  const key = `${baseUrl} ${admin.username}`;
  if (!adminTokens.has(key)) adminTokens.set(key, rest.login(admin.username, admin.password).then((s) => s.token));
  const token = await adminTokens.get(key)!.catch((err: unknown) => {
    adminTokens.delete(key);
    throw err;
  });
  return {
    token,
    /** A staff user with a random username; `displayName` is what the console should show. */
    async createUser(name: string, displayName = name): Promise<User> {
      const username = `${name.toLowerCase()}_${suffix()}`;
      const user = await rest.call<Omit<User, 'password' | 'token'>>('POST', '/users', { token, body: { username, password: PASSWORD, displayName, role: 'staff' } });
      const session = await rest.login(username, PASSWORD);
      return { ...user, password: PASSWORD, token: session.token };
    },
    /** A private room with these users as members (the admin owns it). */
    async createRoom(name: string, members: User[] = [], extra: Record<string, unknown> = {}): Promise<Room> {
      const id = `e2e-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${suffix()}`;
      const room = await rest.call<Room>('POST', '/rooms', { token, body: { id, name: `${name} ${id.slice(-8)}`, visibility: 'private', ...extra } });
      for (const m of members) await rest.call('PUT', `/rooms/${room.id}/members/${m.id}`, { token, body: { role: 'member' } });
      return room;
    },
  };
}

/** Posts a message over REST as `user` and returns the stored message (with its seq). */
export function postMessage(baseUrl: string, user: User, roomId: string, content: string): Promise<StoredMessage> {
  return restClient(baseUrl).call<StoredMessage>('POST', `/rooms/${roomId}/messages`, { token: user.token, body: { content } });
}

/** Every stored message of a room, oldest first, read over REST as `user`. */
export async function allMessages(baseUrl: string, user: User, roomId: string): Promise<StoredMessage[]> {
  const rest = restClient(baseUrl);
  const page = await rest.call<{ messages: StoredMessage[] }>('GET', `/rooms/${roomId}/messages?limit=200`, { token: user.token });
  return page.messages;
}

/**
 * Collects console errors and uncaught exceptions of a page. `allow` lists patterns of console
 * errors that a spec expects (a refused connection while the server restarts); everything else
 * fails `assertNone`.
 */
export function watchErrors(page: Page, name: string, { allow = [] as RegExp[] } = {}) {
  const errors: string[] = [];
  const allowed: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const { url } = msg.location();
    const line = `[${name}] ${msg.text()}${url ? ` (${url})` : ''}`;
    (allow.some((re) => re.test(msg.text())) ? allowed : errors).push(line);
  });
  page.on('pageerror', (err) => errors.push(`[${name}] uncaught: ${err.stack ?? err}`));
  return {
    errors,
    allowed,
    assertNone() {
      deepEqual(errors, [], `console errors or uncaught exceptions:\n${errors.join('\n')}`);
    },
  };
}

/**
 * A new browser context for `user`, signed in through the console's form: the page opens `path`
 * (a room link, say), is sent to sign-in, and comes back to `path` connected.
 */
export interface OpenOptions {
  contextOptions?: BrowserContextOptions;
  allowErrors?: RegExp[];
  /** Runs on the new page before it first loads (init scripts, say). */
  beforeLoad?: (page: Page) => Promise<void>;
}

export async function signedInPage(browser: Browser, baseUrl: string, user: User, path: string, { contextOptions = {}, allowErrors = [], beforeLoad }: OpenOptions = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...contextOptions });
  const page = await context.newPage();
  await beforeLoad?.(page);
  const watch = watchErrors(page, user.displayName, { allow: allowErrors });
  await page.goto(`${baseUrl}${path}`);
  await page.locator('[data-testid=login-form]').waitFor({ timeout: T.page });
  await loginUsername(page).fill(user.username);
  await loginPassword(page).fill(user.password);
  await signInButton(page).click();
  await page.waitForURL((url) => url.pathname === path, { timeout: T.page });
  await page.locator(sel.connected).waitFor({ timeout: T.page });
  return { context, page, watch };
}

/** Opens `/rooms/:id` for `user` and waits until the room's history is in and the composer is there. */
export async function openRoom(browser: Browser, baseUrl: string, user: User, roomId: string, options?: OpenOptions) {
  const opened = await signedInPage(browser, baseUrl, user, `/rooms/${roomId}`, options);
  await composer(opened.page).waitFor({ timeout: T.page });
  // The history has loaded once the list shows either messages or its empty state.
  await opened.page.locator(`${sel.list} :is([data-testid=message-item], .empty, .start, [data-testid=load-older])`).first().waitFor({ timeout: T.page });
  return opened;
}

/** Waits until `user` shows as online in the members panel of `page` (they have joined the room live). */
export function waitOnline(page: Page, user: User) {
  return page.locator(`[data-testid=member-item][data-user-id="${user.id}"][data-online=true]`).waitFor({ timeout: T.live });
}

/** The stored messages a page shows, in DOM order: [{ seq, text, status, ai }]. */
export function shownMessages(page: Page): Promise<{ seq: number; status: string | null; ai: boolean; text: string }[]> {
  return page.locator(sel.stored).evaluateAll((items) =>
    items.map((el) => ({
      seq: Number(el.getAttribute('data-seq')),
      status: el.getAttribute('data-status'),
      ai: el.getAttribute('data-ai') === 'true',
      text: (el.querySelector('.text, .md')?.textContent ?? '').trim(),
    })),
  );
}

/** Polls `check` (sync or async) until it returns a truthy value; fails with `what` after `timeout`. */
export async function until<T>(check: () => T | Promise<T>, what: string, { timeout: limit = T.live, interval = 100 } = {}): Promise<T> {
  const deadline = Date.now() + limit;
  let last: Error | undefined;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err as Error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${limit} ms waiting for ${what}${last ? ` (last error: ${last.message})` : ''}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** The console's failed Socket.IO attempts while the server is down. */
export const CONNECTION_REFUSED = /ERR_CONNECTION_REFUSED/;

/**
 * A page's Socket.IO requests, watched: `refused` counts attempts the closed port refused; after
 * `hold()` further attempts wait (neither fail nor reach the server) until `release()`. So a spec
 * can make sure something happens while the page is certainly not connected.
 */
export async function holdReconnects(page: Page) {
  let refused = 0;
  let holding = false;
  const held: Route[] = [];
  page.on('requestfailed', (request) => {
    if (request.url().includes('/socket.io/') && CONNECTION_REFUSED.test(request.failure()?.errorText ?? '')) refused += 1;
  });
  await page.route('**/socket.io/**', (route) => (holding ? held.push(route) : route.continue().catch(() => {})));
  return {
    refused: () => refused,
    held: () => held.length,
    hold: () => void (holding = true),
    async release() {
      holding = false;
      for (const route of held.splice(0)) await route.continue().catch(() => {});
    },
  };
}
