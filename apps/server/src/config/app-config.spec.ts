import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig, parseDurationSeconds } from './app-config.js';

const SECRET = 'a-jwt-secret-that-is-at-least-32-characters';
const tempDir = () => mkdtempSync(join(tmpdir(), 'chat-config-'));

describe(loadConfig.name, () => {
  it('should apply the documented defaults', () => {
    // A given secret, so nothing is written to the default data directory.
    const config = loadConfig({ JWT_SECRET: SECRET });
    expect(config).toMatchObject({
      nodeEnv: 'development',
      port: 3000,
      host: '0.0.0.0',
      databaseUrl: null,
      dataDir: resolve('./.data'),
      jwtSecret: SECRET,
      jwtExpiresInSeconds: 12 * 3600,
      corsOrigins: [],
      apiDocs: true,
      trustProxy: false,
      adminUsername: 'admin',
      adminPassword: null,
      rateLimitMessagesPerMinute: 30,
      rateLimitTypingPerMinute: 120,
      rateLimitRestPerMinute: 600,
      rateLimitLoginPerMinute: 10,
      rateLimitLoginPerAddressPerMinute: 30,
      loginMaxConcurrentHashes: 16,
      passwordHash: { N: 32768, r: 8, p: 3 },
      rateLimitJoinsPerMinute: 60,
      rateLimitAiCancelPerMinute: 30,
      joinCatchUpMax: 500,
      socketsPerUser: 20,
      socketsPerAddress: 200,
      handshakeTimeoutMs: 5000,
      failedHandshakesPerMinute: 30,
      messageMaxLength: 4000,
      socketMaxFrameBytes: 1_000_000,
      typingTtlMs: 6000,
      logLevel: 'info',
      webRoot: resolve('dist/apps/web/browser'),
      // No REDIS_URL: one instance, everything in memory.
      redis: null,
      publicUrl: null,
      oidc: null,
      passwordLogin: true,
    });
  });

  const OIDC = { OIDC_ISSUER_URL: 'https://idp.example.com/realms/staff', OIDC_CLIENT_ID: 'chat', OIDC_CLIENT_SECRET: 'client-secret' };

  it('should read the single sign-on settings, with the default scopes and redirect', () => {
    expect(loadConfig({ JWT_SECRET: SECRET, ...OIDC, PUBLIC_URL: 'https://chat.example.com/' })).toMatchObject({
      publicUrl: 'https://chat.example.com',
      passwordLogin: true,
      oidc: { issuerUrl: 'https://idp.example.com/realms/staff', clientId: 'chat', clientSecret: 'client-secret', redirectUrl: null, scopes: 'openid profile email', roleClaim: null, adminValues: [] },
    });
    const mapped = loadConfig({
      JWT_SECRET: SECRET,
      ...OIDC,
      OIDC_REDIRECT_URL: 'https://chat.example.com/api/auth/oidc/callback',
      OIDC_SCOPES: 'openid profile groups',
      OIDC_ROLE_CLAIM: 'groups',
      OIDC_ADMIN_VALUES: 'chat-admins, it ',
      PASSWORD_LOGIN: 'false',
    });
    expect(mapped.oidc).toMatchObject({ redirectUrl: 'https://chat.example.com/api/auth/oidc/callback', scopes: 'openid profile groups', roleClaim: 'groups', adminValues: ['chat-admins', 'it'] });
    expect(mapped.passwordLogin).toBe(false);
    // Plain http only to this machine: development and the tests' provider.
    expect(loadConfig({ JWT_SECRET: SECRET, ...OIDC, OIDC_ISSUER_URL: 'http://127.0.0.1:4000' }).oidc?.issuerUrl).toBe('http://127.0.0.1:4000/');
  });

  it.each([
    [{ OIDC_ISSUER_URL: OIDC.OIDC_ISSUER_URL, OIDC_CLIENT_ID: 'chat' }, 'OIDC_CLIENT_SECRET'],
    [{ OIDC_CLIENT_SECRET: 'x' }, 'OIDC_ISSUER_URL'],
    [{ ...OIDC, OIDC_ISSUER_URL: 'http://idp.example.com' }, 'OIDC_ISSUER_URL'],
    [{ ...OIDC, OIDC_ISSUER_URL: 'not a url' }, 'OIDC_ISSUER_URL'],
    [{ ...OIDC, OIDC_REDIRECT_URL: 'http://chat.example.com/cb' }, 'OIDC_REDIRECT_URL'],
    [{ ...OIDC, OIDC_SCOPES: 'profile email' }, 'OIDC_SCOPES'],
    [{ ...OIDC, OIDC_ROLE_CLAIM: 'groups' }, 'OIDC_ADMIN_VALUES'],
    [{ ...OIDC, OIDC_ADMIN_VALUES: 'admins' }, 'OIDC_ROLE_CLAIM'],
    [{ OIDC_ROLE_CLAIM: 'groups' }, 'OIDC_ROLE_CLAIM'],
    [{ PASSWORD_LOGIN: 'false' }, 'PASSWORD_LOGIN'],
    [{ ...OIDC, PASSWORD_LOGIN: 'nope' }, 'PASSWORD_LOGIN'],
    [{ PUBLIC_URL: 'https://chat.example.com/app' }, 'PUBLIC_URL'],
    [{ PUBLIC_URL: 'http://chat.example.com' }, 'PUBLIC_URL'],
  ])('should refuse the single sign-on settings %j naming %s', (env, variable) => {
    expect(() => loadConfig({ JWT_SECRET: SECRET, ...env })).toThrow(expect.objectContaining({ variable }));
  });

  it('should read the Redis settings, with the default prefix and heartbeat', () => {
    expect(loadConfig({ JWT_SECRET: SECRET, REDIS_URL: 'redis://:secret@cache.internal:6380/2' }).redis).toEqual({
      url: 'redis://:secret@cache.internal:6380/2',
      keyPrefix: 'chat:',
      heartbeatMs: 5000,
    });
    expect(loadConfig({ JWT_SECRET: SECRET, REDIS_URL: 'rediss://cache', REDIS_KEY_PREFIX: 'eu-1:', INSTANCE_HEARTBEAT_MS: '1000' }).redis).toEqual({
      url: 'rediss://cache',
      keyPrefix: 'eu-1:',
      heartbeatMs: 1000,
    });
  });

  it('should read every value it is given', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      PORT: ' 8080 ',
      HOST: '127.0.0.1',
      DATABASE_URL: 'postgresql://chat:pw@db:5432/chat',
      DATA_DIR: '/var/lib/chat',
      JWT_SECRET: SECRET,
      JWT_EXPIRES_IN: '15m',
      CORS_ORIGINS: 'https://a.example, https://b.example',
      ADMIN_USERNAME: 'root.admin',
      ADMIN_PASSWORD: 'long-enough-password',
      RATE_LIMIT_MESSAGES_PER_MINUTE: '5',
      MESSAGE_MAX_LENGTH: '10',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      nodeEnv: 'production',
      port: 8080,
      host: '127.0.0.1',
      databaseUrl: 'postgresql://chat:pw@db:5432/chat',
      dataDir: '/var/lib/chat',
      jwtExpiresInSeconds: 900,
      corsOrigins: ['https://a.example', 'https://b.example'],
      adminUsername: 'root.admin',
      adminPassword: 'long-enough-password',
      rateLimitMessagesPerMinute: 5,
      messageMaxLength: 10,
      logLevel: 'debug',
      logPrompts: false,
    });
  });

  it('should treat empty values as unset', () => {
    const config = loadConfig({ JWT_SECRET: SECRET, PORT: '', DATABASE_URL: '  ', CORS_ORIGINS: '', LOG_LEVEL: '', API_DOCS: '', TRUST_PROXY: '' });
    expect(config).toMatchObject({ port: 3000, databaseUrl: null, corsOrigins: [], logLevel: 'info', apiDocs: true, trustProxy: false });
  });

  it('should keep the API docs off in production unless API_DOCS turns them on', () => {
    expect(loadConfig({ JWT_SECRET: SECRET, NODE_ENV: 'production' }).apiDocs).toBe(false);
    expect(loadConfig({ JWT_SECRET: SECRET, NODE_ENV: 'production', API_DOCS: 'true' }).apiDocs).toBe(true);
    expect(loadConfig({ JWT_SECRET: SECRET, API_DOCS: 'false' }).apiDocs).toBe(false);
  });

  it.each<[string, false | number | string[]]>([
    ['true', 1],
    ['2', 2],
    ['loopback, 10.0.0.0/8', ['loopback', '10.0.0.0/8']],
    ['false', false],
  ])('should read TRUST_PROXY=%j', (raw, expected) => {
    expect(loadConfig({ JWT_SECRET: SECRET, TRUST_PROXY: raw }).trustProxy).toEqual(expected);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '3.5'],
    ['PORT', '-1'],
    ['PORT', '70000'],
    ['RATE_LIMIT_MESSAGES_PER_MINUTE', '0'],
    ['RATE_LIMIT_MESSAGES_PER_MINUTE', 'many'],
    ['RATE_LIMIT_LOGIN_PER_MINUTE', '1e3'],
    ['RATE_LIMIT_REST_PER_MINUTE', '0'],
    ['RATE_LIMIT_TYPING_PER_MINUTE', 'x'],
    ['MESSAGE_MAX_LENGTH', '0'],
    ['MESSAGE_MAX_LENGTH', '100001'],
    ['SOCKET_MAX_FRAME_BYTES', '100'],
    ['TYPING_TTL_MS', '10'],
    ['DATABASE_URL', 'mysql://db/chat'],
    ['DATABASE_URL', 'not a url'],
    ['JWT_SECRET', 'too-short'],
    ['JWT_EXPIRES_IN', '5'],
    ['JWT_EXPIRES_IN', '12 hours'],
    ['JWT_EXPIRES_IN', '-1h'],
    ['CORS_ORIGINS', 'https://ok.example,not-an-origin'],
    ['CORS_ORIGINS', '*'],
    ['CORS_ORIGINS', 'null'],
    ['CORS_ORIGINS', 'https://ok.example/path'],
    ['API_DOCS', 'maybe'],
    ['TRUST_PROXY', 'everyone'],
    ['TRUST_PROXY', '0'],
    ['PASSWORD_HASH_COST', '16384,8,1'],
    ['PASSWORD_HASH_COST', '1000,8,1'],
    ['ADMIN_PASSWORD', 'elevenchars'],
    ['LOG_LEVEL', 'loud'],
    ['ADMIN_USERNAME', 'a b'],
    ['ADMIN_USERNAME', 'ab'],
    ['ADMIN_PASSWORD', 'short'],
    ['REDIS_URL', 'http://cache:6379'],
    ['REDIS_URL', 'redis://cache/not-a-db'],
    ['REDIS_URL', 'nonsense'],
    ['REDIS_KEY_PREFIX', 'has space'],
    ['INSTANCE_HEARTBEAT_MS', '10'],
  ])('should refuse %s=%j with a ConfigError naming the variable', (variable, value) => {
    // The Redis settings are read only with a REDIS_URL.
    const env = { JWT_SECRET: SECRET, DATA_DIR: tempDir(), REDIS_URL: 'redis://127.0.0.1:6379', [variable]: value };
    let thrown: unknown;
    try {
      loadConfig(env);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).variable).toBe(variable);
    expect((thrown as ConfigError).message).toMatch(new RegExp(`^Invalid configuration: ${variable} `));
  });

  it('should require JWT_SECRET in production, and write no secret file', () => {
    const dataDir = tempDir();
    expect(() => loadConfig({ NODE_ENV: 'production', DATA_DIR: dataDir })).toThrow(
      new ConfigError('JWT_SECRET', 'is required when NODE_ENV=production'),
    );
    expect(existsSync(join(dataDir, 'jwt-secret'))).toBe(false);
  });

  it('should generate a JWT secret outside production, keep it in DATA_DIR and reuse it', () => {
    const dataDir = join(tempDir(), 'nested', 'data');
    const first = loadConfig({ DATA_DIR: dataDir }).jwtSecret;
    const file = join(dataDir, 'jwt-secret');

    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(file, 'utf8')).toBe(first);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadConfig({ DATA_DIR: dataDir }).jwtSecret).toBe(first);
    expect(loadConfig({ DATA_DIR: tempDir() }).jwtSecret).not.toBe(first);
  });

  it('should prefer a given JWT_SECRET over the stored one', () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'jwt-secret'), 'stored-secret-stored-secret-stored-secret');
    expect(loadConfig({ DATA_DIR: dataDir, JWT_SECRET: SECRET }).jwtSecret).toBe(SECRET);
  });
});

describe(parseDurationSeconds.name, () => {
  it.each([
    ['3600', 3600],
    ['10', 10],
    ['45s', 45],
    ['15m', 900],
    ['12h', 43200],
    ['7d', 604800],
    [' 2h ', 7200],
  ])('should read %j as %d seconds', (raw, seconds) => {
    expect(parseDurationSeconds('JWT_EXPIRES_IN', raw)).toBe(seconds);
  });

  it('should refuse less than 10 seconds', () => {
    expect(() => parseDurationSeconds('JWT_EXPIRES_IN', '9s')).toThrow(ConfigError);
  });
});
