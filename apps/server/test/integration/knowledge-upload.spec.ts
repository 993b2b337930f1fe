import { DataSource } from 'typeorm';
import type { HttpErrorBody, KnowledgeDocumentDetail, KnowledgeDocumentView, UserAdminView } from '@chat/contract';
import { createKnowledgeRoom, evalDocument, longText, uploadFile, uploadJson } from '../support/knowledge-helpers.js';
import { startTestApp, TestApp } from '../support/test-app.js';
import { UUID, ISO_8601 as ISO } from '../support/patterns.js';


interface Caller {
  user: UserAdminView;
  token: string;
}

describe('KnowledgeController: documents', () => {
  let t: TestApp;
  let db: DataSource;
  let owner: Caller;
  let member: Caller;
  let outsider: Caller;
  const PUBLIC_ROOM = 'kb-public';
  const PRIVATE_ROOM = 'kb-private';

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_REST_PER_MINUTE: '100000', RATE_LIMIT_UPLOADS_PER_MINUTE: '100000' });
    db = t.app.get(DataSource);
    [owner, member, outsider] = await Promise.all([t.createUser('staff'), t.createUser('staff'), t.createUser('staff')]);
    await createKnowledgeRoom(t, owner.token, PUBLIC_ROOM, 'public', [member.user]);
    await createKnowledgeRoom(t, owner.token, PRIVATE_ROOM, 'private', [member.user]);
  });
  afterAll(async () => {
    await t.close();
  });

  const count = async (sql: string, params: unknown[] = []) => Number((await db.query<{ n: string }[]>(sql, params))[0].n);
  const detail = (id: string, token = t.adminToken) => t.http<KnowledgeDocumentDetail & HttpErrorBody>('GET', `/api/knowledge/documents/${id}`, { token });
  let unique = 0;
  /** Content no other test uploads, so duplicates never collide by accident. */
  const fresh = (text: string) => `${text}\n\nReference ${++unique}-${Math.random().toString(36).slice(2)}.`;

  describe('uploading each format', () => {
    it('should store a JSON Markdown upload as chunks under their headings, with its search vector', async () => {
      const content = fresh('# Ignored H1\n\nIntro text.\n\n## Packing\n\nBring a passport.\n\n### Liquids\n\nUnder 100 ml each.');
      const created = await uploadJson(t, t.adminToken, { title: 'Travel tips', content });
      expect(created).toEqual({
        status: 201,
        body: {
          id: expect.stringMatching(UUID),
          title: 'Travel tips',
          filename: null,
          contentType: 'text/markdown',
          roomId: null,
          uploadedBy: expect.stringMatching(UUID),
          createdAt: expect.stringMatching(ISO),
          chunkCount: 3,
          sizeBytes: Buffer.byteLength(content),
        },
      });
      const { body } = await detail(created.body.id);
      expect(body.chunks.map((c) => [c.ordinal, c.headingPath, c.text.split('\n')[0]])).toEqual([
        [0, ['Ignored H1'], 'Intro text.'],
        [1, ['Ignored H1', 'Packing'], 'Bring a passport.'],
        [2, ['Ignored H1', 'Packing', 'Liquids'], 'Under 100 ml each.'],
      ]);
      // The vector holds the title (A), the headings (B) and the text (D), stemmed.
      const [row] = await db.query<{ v: string }[]>(`SELECT search_vector::text AS v FROM knowledge_chunks WHERE id = $1`, [body.chunks[2].id]);
      expect(row.v).toMatch(/'tip':\d+A/);
      expect(row.v).toMatch(/'pack':\d+B/);
      expect(row.v).toMatch(/'liquid':\d+B/);
      expect(row.v).toMatch(/'100':\d+(?![AB])/);
    });

    it('should read JSON content as plain text or HTML when contentType says so', async () => {
      const text = await uploadJson(t, t.adminToken, { title: 'Plain', contentType: 'text/plain', content: fresh('OPENING HOURS\n\nFrom seven until nine.') });
      expect(text.status).toBe(201);
      expect((await detail(text.body.id)).body.chunks[0].headingPath).toEqual(['OPENING HOURS']);

      const html = await uploadJson(t, t.adminToken, { title: 'Html', contentType: 'text/html', content: fresh('<h2>Desks</h2><p>Book a <b>desk</b> first.</p><script>alert(1)</script>') });
      expect(html.status).toBe(201);
      const chunk = (await detail(html.body.id)).body.chunks[0];
      expect(chunk.headingPath).toEqual(['Desks']);
      expect(chunk.text).toMatch(/^Book a desk first\./);
      expect(chunk.text).not.toContain('alert');
    });

    it.each([
      ['office-access-and-visitors.txt', 'text/plain', 'text/plain', 'Office Access, Visitors and Facilities', ['OFFICE ACCESS, VISITORS AND FACILITIES', 'Visitors and guests']],
      ['on-call-handbook.md', 'application/octet-stream', 'text/markdown', 'On-Call Handbook', ['On-Call Handbook', 'Compensation']],
      ['data-retention-policy.html', 'text/html', 'text/html', 'Data Retention and Deletion Policy', ['Data Retention and Deletion Policy', 'Backups']],
      ['benefits-overview.pdf', 'application/pdf', 'application/pdf', 'Employee Benefits Overview', ['Employee Benefits Overview', 'Pension']],
    ])('should store a multipart %s sent as %s, read as %s, titled by the document itself', async (name, sentType, contentType, title, path) => {
      const file = evalDocument(name);
      const created = await uploadFile(t, owner.token, { name, type: sentType, content: file }, { roomId: PUBLIC_ROOM });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ title, filename: name, contentType, roomId: PUBLIC_ROOM, uploadedBy: owner.user.id, sizeBytes: file.length });
      const { body } = await detail(created.body.id, owner.token);
      expect(body.chunks).toHaveLength(created.body.chunkCount);
      expect(body.chunks.map((c) => c.ordinal)).toEqual(body.chunks.map((_, i) => i));
      expect(body.chunks.map((c) => c.headingPath)).toContainEqual(path);
      expect(body.chunks.every((c) => c.text.trim().length > 0)).toBe(true);
    });

    it("should prefer the form's title, and fall back to the file name when the document has none", async () => {
      const titled = await uploadFile(t, t.adminToken, { name: 'notes.txt', type: 'text/plain', content: fresh('Some notes about parking.') }, { title: '  Parking notes ' });
      expect(titled.body.title).toBe('Parking notes');
      const untitled = await uploadFile(t, t.adminToken, { name: 'C:\\Users\\me\\kitchen-rules.txt', type: 'text/plain', content: fresh('Clean the fridge on Fridays.') });
      expect(untitled.body).toMatchObject({ title: 'kitchen-rules', filename: 'kitchen-rules.txt' });
    });
  });

  describe('refusing bad uploads', () => {
    let before: number;
    beforeEach(async () => {
      before = await count('SELECT count(*) AS n FROM knowledge_documents');
    });
    afterEach(async () => {
      // A refused upload stores nothing.
      expect(await count('SELECT count(*) AS n FROM knowledge_documents')).toBe(before);
    });

    it('should answer 415 UNSUPPORTED_MEDIA_TYPE for a format it cannot read', async () => {
      for (const file of [
        { name: 'photo.png', type: 'image/png', content: Buffer.from([0x89, 0x50, 0x4e, 0x47]) },
        { name: 'policy.docx', type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', content: 'PK...' },
        { name: 'archive.bin', type: 'application/octet-stream', content: 'data' },
      ]) {
        const refused = await uploadFile(t, t.adminToken, file);
        expect(refused.status).toBe(415);
        expect(refused.body).toMatchObject({ statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringContaining(file.name) });
      }
    });

    it('should answer 415 for a file that is not what it claims to be', async () => {
      const fakePdf = await uploadFile(t, t.adminToken, { name: 'policy.pdf', type: 'application/pdf', content: 'not a pdf at all' });
      expect(fakePdf).toEqual({ status: 415, body: { statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'The file is not a PDF' } });
      const binary = await uploadFile(t, t.adminToken, { name: 'notes.txt', type: 'text/plain', content: Buffer.from([0x68, 0x00, 0x69]) });
      expect(binary.body).toMatchObject({ statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'The file is binary, not text' });
    });

    it('should answer 415 for a request body that is neither JSON nor multipart', async () => {
      const response = await fetch(`${t.baseUrl}/api/knowledge/documents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/pdf' },
        body: '%PDF-1.7',
      });
      expect(response.status).toBe(415);
      expect(await response.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send the document as application/json or as a multipart/form-data file' });
    });

    it('should answer 400 VALIDATION_FAILED for a missing or empty title or content, and for unknown fields', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ content: 'text' }, 'title must not be empty'],
        [{ title: '   ', content: 'text' }, 'title must not be empty'],
        [{ title: 'T' }, 'content must be a string'],
        [{ title: 'T', content: ' \n\t ' }, 'content must not be empty'],
        [{ title: 'x'.repeat(301), content: 'text' }, 'title must be shorter than or equal to 300 characters'],
        [{ title: 'T', content: 'text', contentType: 'application/pdf' }, 'contentType must be one of the following values: text/plain, text/markdown, text/html'],
        [{ title: 'T', content: 'text', roomId: 'Not A Room' }, 'roomId must be a valid room id'],
        [{ title: 'T', content: 'text', extra: 1 }, 'property extra should not exist'],
      ];
      for (const [body, message] of cases) {
        const refused = await uploadJson(t, t.adminToken, body);
        expect(refused.status).toBe(400);
        expect(refused.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED', details: expect.arrayContaining([message]) });
      }
    });

    it('should answer 400 for a multipart upload without a file, or with fields it does not know', async () => {
      expect((await uploadFile(t, t.adminToken, null, { title: 'No file' })).body).toMatchObject({
        statusCode: 400,
        code: 'VALIDATION_FAILED',
        message: 'file is required in a multipart upload',
      });
      const extra = await uploadFile(t, t.adminToken, { name: 'a.txt', type: 'text/plain', content: 'A.' }, { content: 'B' });
      expect(extra.body).toMatchObject({ statusCode: 400, details: ['property content should not exist'] });
    });

    it('should answer 400 for a document with no readable text', async () => {
      const refused = await uploadJson(t, t.adminToken, { title: 'Scripts only', contentType: 'text/html', content: '<script>var a = 1;</script><style>p{}</style>' });
      expect(refused).toEqual({ status: 400, body: { statusCode: 400, code: 'VALIDATION_FAILED', message: 'The document has no readable text', details: ['The document has no readable text'] } });
    });

    it('should answer 403 when staff upload a global document, as JSON or as a file', async () => {
      const json = await uploadJson(t, owner.token, { title: 'Mine', content: 'Global text.' });
      expect(json).toEqual({ status: 403, body: { statusCode: 403, code: 'FORBIDDEN', message: 'Only admins can manage global documents' } });
      expect((await uploadFile(t, owner.token, { name: 'a.md', type: 'text/markdown', content: '# A' })).status).toBe(403);
    });

    it("should answer 403 when a room member who does not own it uploads, and for a private room one is not in", async () => {
      const byMember = await uploadJson(t, member.token, { title: 'Member doc', content: 'Text.', roomId: PUBLIC_ROOM });
      expect(byMember.body).toEqual({ statusCode: 403, code: 'FORBIDDEN', message: "Only the room's owner or an admin can manage its documents" });
      const byOutsider = await uploadJson(t, outsider.token, { title: 'Outsider doc', content: 'Text.', roomId: PRIVATE_ROOM });
      expect(byOutsider.body).toEqual({ statusCode: 403, code: 'FORBIDDEN', message: `Room "${PRIVATE_ROOM}" is private` });
    });

    it('should answer 404 ROOM_NOT_FOUND for a room that does not exist', async () => {
      const refused = await uploadFile(t, t.adminToken, { name: 'a.txt', type: 'text/plain', content: 'Text.' }, { roomId: 'no-such-room' });
      expect(refused).toEqual({ status: 404, body: { statusCode: 404, code: 'ROOM_NOT_FOUND', message: 'Room "no-such-room" does not exist' } });
    });
  });

  describe('duplicates', () => {
    it('should refuse the same content in the same scope with 409, naming the stored document, however it is spaced or titled', async () => {
      const content = fresh('# Parking\n\nThe garage opens at seven.');
      const first = await uploadJson(t, owner.token, { title: 'Parking', content, roomId: PUBLIC_ROOM });
      expect(first.status).toBe(201);
      const again = await uploadJson(t, owner.token, { title: 'Parking, again', content: content.replace('garage opens', 'garage   opens') + '\n\n', roomId: PUBLIC_ROOM });
      expect(again).toEqual({
        status: 409,
        body: { statusCode: 409, code: 'CONFLICT', message: `The same content is already stored here as "Parking" (${first.body.id})`, details: [first.body.id] },
      });
      const asFile = await uploadFile(t, owner.token, { name: 'parking.md', type: 'text/markdown', content }, { roomId: PUBLIC_ROOM });
      expect(asFile.status).toBe(409);
    });

    it('should accept the same content in another scope', async () => {
      const content = fresh('Lockers are on the second floor.');
      expect((await uploadJson(t, owner.token, { title: 'Lockers', content, roomId: PUBLIC_ROOM })).status).toBe(201);
      expect((await uploadJson(t, owner.token, { title: 'Lockers', content, roomId: PRIVATE_ROOM })).status).toBe(201);
      expect((await uploadJson(t, t.adminToken, { title: 'Lockers', content })).status).toBe(201);
      expect((await uploadJson(t, t.adminToken, { title: 'Lockers', content })).status).toBe(409);
    });

    it('should store only one of two identical uploads sent at once', async () => {
      const content = fresh('Simultaneous upload text.');
      const answers = await Promise.all([1, 2, 3].map(() => uploadJson(t, t.adminToken, { title: 'Race', content })));
      expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409]);
    });
  });

  describe('listing and reading', () => {
    let globalDoc: KnowledgeDocumentView;
    let publicDoc: KnowledgeDocumentView;
    let privateDoc: KnowledgeDocumentView;
    beforeAll(async () => {
      globalDoc = (await uploadJson(t, t.adminToken, { title: 'Listed global', content: fresh('Global listing text.') })).body;
      publicDoc = (await uploadJson(t, owner.token, { title: 'Listed public', content: fresh('Public listing text.'), roomId: PUBLIC_ROOM })).body;
      privateDoc = (await uploadJson(t, owner.token, { title: 'Listed private', content: fresh('Private listing text.'), roomId: PRIVATE_ROOM })).body;
    });
    const ids = (docs: KnowledgeDocumentView[]) => docs.map((d) => d.id);

    it('should list global documents and those of rooms the caller may enter, newest first', async () => {
      const forOutsider = await t.http<KnowledgeDocumentView[]>('GET', '/api/knowledge/documents', { token: outsider.token });
      expect(forOutsider.status).toBe(200);
      expect(ids(forOutsider.body)).toEqual(expect.arrayContaining([globalDoc.id, publicDoc.id]));
      expect(ids(forOutsider.body)).not.toContain(privateDoc.id);
      const createdAt = forOutsider.body.map((d) => d.createdAt);
      expect(createdAt).toEqual([...createdAt].sort().reverse());

      for (const token of [member.token, t.adminToken]) {
        expect(ids((await t.http<KnowledgeDocumentView[]>('GET', '/api/knowledge/documents', { token })).body)).toContain(privateDoc.id);
      }
    });

    it("should list one room's documents with ?roomId=, with the room's access rules", async () => {
      const inRoom = await t.http<KnowledgeDocumentView[]>('GET', `/api/knowledge/documents?roomId=${PRIVATE_ROOM}`, { token: member.token });
      expect(inRoom.status).toBe(200);
      expect(inRoom.body.every((d) => d.roomId === PRIVATE_ROOM)).toBe(true);
      expect(ids(inRoom.body)).toContain(privateDoc.id);
      expect((await t.http('GET', `/api/knowledge/documents?roomId=${PRIVATE_ROOM}`, { token: outsider.token })).status).toBe(403);
      expect((await t.http('GET', '/api/knowledge/documents?roomId=nowhere', { token: outsider.token })).body).toMatchObject({ code: 'ROOM_NOT_FOUND' });
    });

    it("should show a document with its chunks to who may see it, and answer 404 to others", async () => {
      expect((await detail(globalDoc.id, outsider.token)).status).toBe(200);
      expect((await detail(publicDoc.id, outsider.token)).status).toBe(200);
      expect((await detail(privateDoc.id, member.token)).body).toMatchObject({ id: privateDoc.id, chunks: [expect.objectContaining({ ordinal: 0 })] });
      expect(await detail(privateDoc.id, outsider.token)).toEqual({
        status: 404,
        body: { statusCode: 404, code: 'NOT_FOUND', message: `Document "${privateDoc.id}" not found` },
      });
      expect((await detail('00000000-0000-4000-8000-000000000000')).status).toBe(404);
      expect((await detail('not-a-uuid')).body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    });
  });

  describe('deleting', () => {
    it('should delete a document and all its chunks', async () => {
      const doc = (await uploadJson(t, owner.token, { title: 'Long one', content: fresh(longText(120)), roomId: PUBLIC_ROOM })).body;
      expect(doc.chunkCount).toBeGreaterThan(3);
      expect(await count('SELECT count(*) AS n FROM knowledge_chunks WHERE document_id = $1', [doc.id])).toBe(doc.chunkCount);
      expect((await t.http('DELETE', `/api/knowledge/documents/${doc.id}`, { token: owner.token })).status).toBe(204);
      expect(await count('SELECT count(*) AS n FROM knowledge_chunks WHERE document_id = $1', [doc.id])).toBe(0);
      expect((await detail(doc.id)).status).toBe(404);
      expect((await t.http('DELETE', `/api/knowledge/documents/${doc.id}`, { token: owner.token })).status).toBe(404);
    });

    it('should let only those who may upload delete: the room owner or an admin; admins for global documents', async () => {
      const roomDoc = (await uploadJson(t, owner.token, { title: 'Keep', content: fresh('Room text.'), roomId: PRIVATE_ROOM })).body;
      const globalDoc = (await uploadJson(t, t.adminToken, { title: 'Keep global', content: fresh('Global text.') })).body;
      expect((await t.http('DELETE', `/api/knowledge/documents/${roomDoc.id}`, { token: member.token })).status).toBe(403);
      expect((await t.http('DELETE', `/api/knowledge/documents/${roomDoc.id}`, { token: outsider.token })).status).toBe(404);
      expect((await t.http('DELETE', `/api/knowledge/documents/${globalDoc.id}`, { token: owner.token })).body).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
      expect(await count('SELECT count(*) AS n FROM knowledge_documents WHERE id = ANY($1)', [[roomDoc.id, globalDoc.id]])).toBe(2);
      expect((await t.http('DELETE', `/api/knowledge/documents/${roomDoc.id}`, { token: t.adminToken })).status).toBe(204);
      expect((await t.http('DELETE', `/api/knowledge/documents/${globalDoc.id}`, { token: t.adminToken })).status).toBe(204);
    });
  });

  it('should describe the upload in the OpenAPI document, JSON and multipart', async () => {
    const spec = (await t.http<{ paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> } }>> }>('GET', '/api/docs-json')).body;
    const upload = spec.paths['/api/knowledge/documents']['post'];
    expect(upload.requestBody!.content).toEqual({
      'application/json': { schema: { $ref: '#/components/schemas/CreateKnowledgeDocumentDto' } },
      'multipart/form-data': { schema: expect.objectContaining({ required: ['file'], properties: expect.objectContaining({ file: expect.objectContaining({ format: 'binary' }) }) }) },
    });
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/knowledge/documents/{id}', '/api/knowledge/search']));
  });
});

describe('KnowledgeController: upload size limit', () => {
  const LIMIT = 1_500_000;
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ KNOWLEDGE_MAX_UPLOAD_BYTES: String(LIMIT) });
  });
  afterAll(async () => {
    await t.close();
  });

  const textOf = (bytes: number) => {
    const base = longText(Math.ceil(bytes / 40), 'size');
    return base.slice(0, bytes);
  };

  it('should accept JSON content above the 1 MB body limit of other routes, up to KNOWLEDGE_MAX_UPLOAD_BYTES', async () => {
    const content = textOf(1_200_000);
    const created = await uploadJson(t, t.adminToken, { title: 'Big', content });
    expect(created.status).toBe(201);
    expect(created.body.sizeBytes).toBe(1_200_000);
  });

  it('should answer 413 PAYLOAD_TOO_LARGE for JSON content over the limit', async () => {
    const refused = await uploadJson(t, t.adminToken, { title: 'Too big', content: textOf(LIMIT + 1) });
    expect(refused).toEqual({
      status: 413,
      body: { statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message: `The document is ${LIMIT + 1} bytes; the limit is ${LIMIT} (KNOWLEDGE_MAX_UPLOAD_BYTES)` },
    });
  });

  it('should answer a JSON body far over the limit with a coded 413, not an HTML page', async () => {
    const response = await fetch(`${t.baseUrl}/api/knowledge/documents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Huge', content: 'x'.repeat(LIMIT * 2 + 100_000) }),
    });
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('should answer 413 for a file over the limit', async () => {
    const refused = await uploadFile(t, t.adminToken, { name: 'big.txt', type: 'text/plain', content: textOf(LIMIT + 1) });
    expect(refused.status).toBe(413);
    expect(refused.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
  });
});
