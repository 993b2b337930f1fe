import { randomUUID } from 'node:crypto';
import { ConfigError, loadConfig } from '../../src/config/app-config.js';
import { CapturedOutput, captureOutput, LogRecord } from '../support/capture-output.js';
import { UUID } from '../support/patterns.js';
import { emitWithAck, eventually, startTestApp, TestApp } from '../support/test-app.js';

/** JSON lines at info, as production writes them. */
describe('structured logs', () => {
  let t: TestApp;
  let output: CapturedOutput;
  beforeAll(async () => {
    // Start-up lines at info are not this spec's business; kept off the terminal.
    const startup = captureOutput();
    t = await startTestApp({ LOG_LEVEL: 'info', LOG_FORMAT: 'json' }).finally(() => startup.restore());
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(() => {
    output = captureOutput();
  });
  afterEach(() => {
    output.restore();
  });

  const withRequestId = (id: string) => output.records().filter((record) => record['requestId'] === id);
  const accessLine = (id: string) => withRequestId(id).find((record) => record.msg === 'request completed') as (LogRecord & { res: { statusCode: number }; req: { path: string } }) | undefined;

  it('should keep a well-formed X-Request-Id, answer it in the header and put it on every line of the request', async () => {
    const requestId = `req-${randomUUID()}`;
    const response = await fetch(`${t.baseUrl}/api/knowledge/documents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({ title: 'Leave policy', content: '# Leave\n\nEveryone gets 25 days of annual leave.' }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-request-id')).toBe(requestId);
    await eventually(() => accessLine(requestId) !== undefined);
    const lines = withRequestId(requestId);
    // The service's own line and the access line both carry it.
    expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining([expect.stringMatching(/^Stored document/), 'request completed']));
    expect(accessLine(requestId)).toMatchObject({ level: 30, res: { statusCode: 201 }, req: { method: 'POST', path: '/api/knowledge/documents' } });
  });

  it.each([
    ['has spaces', 'not a valid id'],
    ['is too long', 'x'.repeat(129)],
    ['has a newline', 'line\\nbreak'],
  ])('should generate a fresh id when the incoming one %s', async (_why, incoming) => {
    const response = await fetch(`${t.baseUrl}/api/auth/me`, { headers: { authorization: `Bearer ${t.adminToken}`, 'x-request-id': incoming } });
    expect(response.status).toBe(200);
    const id = response.headers.get('x-request-id')!;
    expect(id).toMatch(UUID);
    await eventually(() => accessLine(id) !== undefined);
    expect(output.text()).not.toContain(incoming);
  });

  it('should generate an id when there is none, and put the error code on the line of a failed request', async () => {
    const response = await fetch(`${t.baseUrl}/api/rooms/no-such-room`, { headers: { authorization: `Bearer ${t.adminToken}` } });
    expect(response.status).toBe(404);
    const id = response.headers.get('x-request-id')!;
    expect(id).toMatch(UUID);
    await eventually(() => accessLine(id) !== undefined);
    expect(accessLine(id)).toMatchObject({ level: 40, code: 'ROOM_NOT_FOUND', res: { statusCode: 404 } });
  });

  it('should put the connection id and the user id on every socket line, and the code on a failed event', async () => {
    const { user, token } = await t.createUser('staff');
    const socket = await t.connect(token);
    expect((await emitWithAck(socket, 'join_room', 'general')).ok).toBe(true);
    expect((await emitWithAck(socket, 'join_room', 'no-such-room')).ok).toBe(false);
    const connectionId = socket.id;
    socket.disconnect();
    const socketLines = () => output.records().filter((record) => record['connectionId'] === connectionId);
    await eventually(() => socketLines().some((line) => line.msg === 'Socket disconnected'));
    const lines = socketLines();
    expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['Socket connected', 'join_room ok', 'join_room failed ROOM_NOT_FOUND', 'Socket disconnected']));
    for (const line of lines) expect(line['userId']).toBe(user.id);
    expect(lines.find((line) => line.msg === 'join_room failed ROOM_NOT_FOUND')).toMatchObject({ event: 'join_room', outcome: 'error', code: 'ROOM_NOT_FOUND' });
  });

  it('should never write message text, passwords or tokens at info', async () => {
    const { user, token, password } = await t.createUser('staff');
    const { accessToken } = await t.login(user.username, password);
    const secretText = `confidential-${randomUUID()}`;
    const socket = await t.connect(token);
    expect((await emitWithAck(socket, 'join_room', 'general')).ok).toBe(true);
    expect((await emitWithAck(socket, 'send_message', { roomId: 'general', content: secretText })).ok).toBe(true);
    expect((await t.http('POST', '/api/rooms/general/messages', { token: accessToken, body: { content: `${secretText}-rest` } })).status).toBe(201);
    expect((await t.http('GET', `/api/knowledge/search?q=${secretText}-search`, { token })).status).toBe(200);
    await eventually(() => output.records().some((record) => record['event'] === 'send_message'));
    await eventually(() => output.records().filter((record) => record.msg === 'request completed').length >= 3);
    const text = output.text();
    for (const secret of [secretText, password, token, accessToken]) expect(text).not.toContain(secret);
  });
});

describe('LOG_FORMAT', () => {
  it('should default to readable lines in development and JSON lines elsewhere, and refuse anything else', () => {
    const base = { DATA_DIR: '/tmp/chat-log-format-test', JWT_SECRET: 'x'.repeat(40) };
    expect(loadConfig({ ...base, NODE_ENV: 'development' }).logFormat).toBe('pretty');
    expect(loadConfig({ ...base, NODE_ENV: 'production' }).logFormat).toBe('json');
    expect(loadConfig({ ...base, NODE_ENV: 'development', LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(() => loadConfig({ ...base, LOG_FORMAT: 'xml' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT/);
  });


});
