// Shared steps for the browser specs: REST set-up as the admin (users, rooms, seeded messages),
// signing in through the console, and watching a page for console errors. Every spec makes its own
// users and rooms with random suffixes, so specs neither see nor depend on each other's data.

import { randomBytes } from 'node:crypto';

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

export const suffix = () => randomBytes(4).toString('hex');

/** A REST client for one server; `as(token)` signs the requests. */
export function restClient(baseUrl) {
  async function call(method, path, { token, body, expect = [200, 201, 204] } = {}) {
    const res = await fetch(`${baseUrl}/api${path}`, {
      method,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(T.live),
    });
    const text = await res.text();
    if (!expect.includes(res.status)) throw new Error(`${method} /api${path} answered ${res.status}: ${text.slice(0, 500)}`);
    return text ? JSON.parse(text) : undefined;
  }
  return {
    call,
    async login(username, password) {
      const { accessToken, user } = await call('POST', '/auth/login', { body: { username, password } });
      return { token: accessToken, user };
    },
  };
}

/** The admin's token per server, shared by the specs of a run: sign-in is rate-limited per address and username. */
const adminTokens = new Map();

/** The admin's REST session and the set-up steps that need it. */
export async function adminApi(baseUrl, admin) {
  const rest = restClient(baseUrl);
  const key = `${baseUrl} ${admin.username}`;
  if (!adminTokens.has(key)) adminTokens.set(key, rest.login(admin.username, admin.password).then((s) => s.token));
  const token = await adminTokens.get(key).catch((err) => {
    adminTokens.delete(key);
    throw err;
  });
  return {
    token,
    /** A staff user with a random username; `displayName` is what the console should show. */
    async createUser(name, displayName = name) {
      const username = `${name.toLowerCase()}_${suffix()}`;
      const user = await rest.call('POST', '/users', { token, body: { username, password: PASSWORD, displayName, role: 'staff' } });
      const session = await rest.login(username, PASSWORD);
      return { ...user, password: PASSWORD, token: session.token };
    },
    /** A private room with these users as members (the admin owns it). */
    async createRoom(name, members = [], extra = {}) {
      const id = `e2e-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${suffix()}`;
      const room = await rest.call('POST', '/rooms', { token, body: { id, name: `${name} ${id.slice(-8)}`, visibility: 'private', ...extra } });
      for (const m of members) await rest.call('PUT', `/rooms/${room.id}/members/${m.id}`, { token, body: { role: 'member' } });
      return room;
    },
  };
}

/** Posts a message over REST as `user` and returns the stored message (with its seq). */
export function postMessage(baseUrl, user, roomId, content) {
  return restClient(baseUrl).call('POST', `/rooms/${roomId}/messages`, { token: user.token, body: { content } });
}

/** Every stored message of a room, oldest first, read over REST as `user`. */
export async function allMessages(baseUrl, user, roomId) {
  const rest = restClient(baseUrl);
  const page = await rest.call('GET', `/rooms/${roomId}/messages?limit=200`, { token: user.token });
  return page.messages;
}

/**
 * Collects console errors and uncaught exceptions of a page. `allow` lists patterns of console
 * errors that a spec expects (a refused connection while the server restarts); everything else
 * fails `assertNone`.
 */
export function watchErrors(page, name, { allow = [] } = {}) {
  const errors = [];
  const allowed = [];
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
    assertNone(assert) {
      assert.deepEqual(errors, [], `console errors or uncaught exceptions:\n${errors.join('\n')}`);
    },
  };
}

/**
 * A new browser context for `user`, signed in through the console's form: the page opens `path`
 * (a room link, say), is sent to sign-in, and comes back to `path` connected.
 */
export async function signedInPage(browser, baseUrl, user, path, { contextOptions = {}, allowErrors = [] } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...contextOptions });
  const page = await context.newPage();
  const watch = watchErrors(page, user.displayName, { allow: allowErrors });
  await page.goto(`${baseUrl}${path}`);
  await page.locator('[data-testid=login-form]').waitFor({ timeout: T.page });
  await page.fill('[data-testid=login-username]', user.username);
  await page.fill('[data-testid=login-password]', user.password);
  await page.click('[data-testid=login-submit]');
  await page.waitForURL((url) => url.pathname === path, { timeout: T.page });
  await page.locator(sel.connected).waitFor({ timeout: T.page });
  return { context, page, watch };
}

/** Opens `/rooms/:id` for `user` and waits until the room's history is in and the composer is there. */
export async function openRoom(browser, baseUrl, user, roomId, options) {
  const opened = await signedInPage(browser, baseUrl, user, `/rooms/${roomId}`, options);
  await opened.page.locator(sel.composer).waitFor({ timeout: T.page });
  // The history has loaded once the list shows either messages or its empty state.
  await opened.page.locator(`${sel.list} :is([data-testid=message-item], .empty, .start, [data-testid=load-older])`).first().waitFor({ timeout: T.page });
  return opened;
}

/** Waits until `user` shows as online in the members panel of `page` (they have joined the room live). */
export function waitOnline(page, user) {
  return page.locator(`[data-testid=member-item][data-user-id="${user.id}"][data-online=true]`).waitFor({ timeout: T.live });
}

/** The stored messages a page shows, in DOM order: [{ seq, text, status, ai }]. */
export function shownMessages(page) {
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
export async function until(check, what, { timeout = T.live, interval = 100 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? ` (last error: ${last.message})` : ''}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}
