import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import Provider from 'oidc-provider';
import type { ClientMetadata, JWK } from 'oidc-provider';

/** One account of the test provider: its subject and the claims it answers with. */
export interface TestAccount {
  sub: string;
  preferred_username?: string;
  email?: string;
  name?: string;
  groups?: string[];
  [claim: string]: unknown;
}

export interface TestClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export interface OidcProviderOptions {
  clients?: TestClient[];
  accounts: TestAccount[];
}

export interface TestOidcProvider {
  /** The issuer, e.g. `http://127.0.0.1:41234` (what OIDC_ISSUER_URL is set to). */
  issuer: string;
  /** Claims are read at each sign-in: change an account between sign-ins (its groups, say). */
  accounts: Map<string, TestAccount>;
  /** For a server whose callback URL is known only once it listens (its issuer is known before). */
  registerClient(client: TestClient): void;
  close(): Promise<void>;
}

type Stored = Record<string, unknown> & { uid?: string; userCode?: string; grantId?: string; consumed?: number };

/** The provider's storage, in this process: what its built-in one is too, minus a warning per instance. */
function memoryAdapter() {
  const store = new Map<string, Stored>();
  return class MemoryAdapter {
    constructor(private readonly model: string) {}
    private key(id: string) {
      return `${this.model}:${id}`;
    }
    async upsert(id: string, payload: Stored) {
      store.set(this.key(id), payload);
    }
    async find(id: string) {
      return store.get(this.key(id));
    }
    async findByUid(uid: string) {
      return [...store.entries()].find(([k, v]) => k.startsWith(`${this.model}:`) && v.uid === uid)?.[1];
    }
    async findByUserCode(userCode: string) {
      return [...store.entries()].find(([k, v]) => k.startsWith(`${this.model}:`) && v.userCode === userCode)?.[1];
    }
    async consume(id: string) {
      const payload = store.get(this.key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      store.delete(this.key(id));
    }
    async revokeByGrantId(grantId: string) {
      for (const [k, v] of store) if (v.grantId === grantId) store.delete(k);
    }
  };
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function formBody(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function loginPage(uid: string, error?: string): string {
  return `<!doctype html><html><head><title>Test identity provider</title><link rel="icon" href="data:,"></head><body>
<h1>Test identity provider</h1>
${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for="username">Username</label> <input id="username" name="username" autocomplete="off">
<button type="submit">Continue</button>
</form></body></html>`;
}

/**
 * A real OpenID provider (`oidc-provider`) on a free 127.0.0.1 port, for the sign-in tests: code flow
 * with PKCE required, and a one-field login page (`/interaction/:uid`: type a username, "Continue")
 * that a test's HTTP client or a browser fills in. Consent is granted with the login: the scopes the
 * client asked for.
 */
export async function startOidcProvider(options: OidcProviderOptions): Promise<TestOidcProvider> {
  const accounts = new Map(options.accounts.map((account) => [account.sub, account]));
  const server: Server = createServer();
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = { ...(privateKey.export({ format: 'jwk' }) as JWK), kid: 'test-key', use: 'sig', alg: 'RS256' };

  const clients = [...(options.clients ?? [])];
  // Static clients are read when the provider is made: a new client makes a new provider (same keys).
  const adapter = memoryAdapter();
  const makeProvider = () => new Provider(issuer, {
    adapter,
    clients: clients.map(
      (c): ClientMetadata => ({
        client_id: c.clientId,
        client_secret: c.clientSecret,
        redirect_uris: c.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
      }),
    ),
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    scopes: ['openid', 'profile', 'email', 'groups'],
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email'], groups: ['groups'] },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, id) => {
      if (!accounts.has(id)) return undefined;
      return { accountId: id, claims: () => ({ ...accounts.get(id)!, sub: id }) };
    },
  });
  let provider = makeProvider();
  let callback = provider.callback();

  const interaction = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const match = /^\/interaction\/([^/?]+)(\/login)?/.exec(req.url ?? '');
    if (!match) return false;
    const details = await provider.interactionDetails(req, res);
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginPage(details.uid));
      return true;
    }
    const username = (await formBody(req)).get('username') ?? '';
    const account = [...accounts.values()].find((a) => a.preferred_username === username || a.sub === username);
    if (!account) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginPage(details.uid, `No account "${username}"`));
      return true;
    }
    const grant = new provider.Grant({ accountId: account.sub, clientId: String(details.params['client_id']) });
    grant.addOIDCScope(String(details.params['scope'] ?? 'openid'));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { login: { accountId: account.sub }, consent: { grantId } }, { mergeWithLastSubmission: false });
    return true;
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    interaction(req, res).then(
      (handled) => {
        if (!handled) void callback(req, res);
      },
      (error: Error) => {
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(`interaction failed: ${error.message}`);
      },
    );
  });

  return {
    issuer,
    accounts,
    registerClient(client) {
      clients.push(client);
      provider = makeProvider();
      callback = provider.callback();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
