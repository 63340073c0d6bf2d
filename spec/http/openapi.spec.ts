import { expect } from 'chai';
import { API_OPERATIONS, apiDocumentOptions } from '../../src/http/api-operations.js';
import { buildOpenApiDocument } from '../../src/http/openapi.js';
import { FakeSpawner } from '../../src/testing/fake-spawner.js';
import { serviceRoutes, toOpenApiPath } from '../helpers/app-routes.js';
import { OpenApiValidator } from '../helpers/openapi-validator.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

const TOKEN = 'openapi-spec-token-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const P = '/api/v0/processes';
type Document = ConstructorParameters<typeof OpenApiValidator>[0] & Record<string, unknown>;

describe('OpenAPI document', () => {
  it('documents every route registered in the app\'s routers, and no route that is not registered', async () => {
    const document = buildOpenApiDocument(API_OPERATIONS, apiDocumentOptions(true)) as Document;
    const registered = (await serviceRoutes()).map((r) => `${r.method.toLowerCase()} ${toOpenApiPath(r.path)}`).sort();
    const documented = Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`)).sort();
    expect(documented).to.deep.equal(registered);
  });

  it('declares bearer auth, and 401 on every operation but /healthz, only when a token is configured', () => {
    const withAuth = buildOpenApiDocument(API_OPERATIONS, apiDocumentOptions(true)) as Document;
    expect(withAuth.security).to.deep.equal([{ bearerAuth: [] }]);
    for (const [path, item] of Object.entries(withAuth.paths)) {
      for (const op of Object.values(item)) expect(Object.keys(op.responses).includes('401'), path).to.equal(path !== '/healthz');
    }
    const withoutAuth = buildOpenApiDocument(API_OPERATIONS, apiDocumentOptions(false)) as Document;
    expect(withoutAuth).to.not.have.property('security');
    expect(JSON.stringify(withoutAuth)).to.not.include('"401"');
  });

  it('compiles: every schema in it, $refs included, is valid JSON Schema 2020-12 under ajv strict mode', () => {
    const validator = new OpenApiValidator(buildOpenApiDocument(API_OPERATIONS, apiDocumentOptions(true)) as Document);
    expect(validator.compileAll()).to.be.greaterThan(20);
  });

  it('is strict enough to catch drift: an extra field, a wrong enum value or an undocumented status fails', async () => {
    const validator = new OpenApiValidator(buildOpenApiDocument(API_OPERATIONS, apiDocumentOptions(false)) as Document);
    const json = (status: number, body: unknown): Response => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8' } });
    const fails = async (response: Response): Promise<void> => {
      let failed = false;
      try {
        await validator.expectConforms('get', `${P}/{id}/output`, response);
      } catch {
        failed = true;
      }
      expect(failed).to.equal(true);
    };
    await validator.expectConforms('get', `${P}/{id}/output`, json(200, { output: '', running: false, exit_code: 0, exit_reason: 'exited' }));
    await fails(json(200, { output: '', running: false, pid: 12 }));
    await fails(json(200, { output: '', running: false, exit_reason: 'vanished' }));
    await fails(json(404, { message: 'x', code: 'NOT_A_CODE' }));
    await fails(json(418, { message: 'x', code: 'INTERNAL' }));
  });

  describe('against the running service', () => {
    let service: TestService;
    let validator: OpenApiValidator;
    const get = (path: string, headers: Record<string, string> = AUTH): Promise<Response> => service.request(path, { headers });
    const post = (path: string, body: unknown, headers: Record<string, string> = AUTH): Promise<Response> => service.post(path, body, headers);

    before(async () => {
      service = await startTestService({ authToken: TOKEN, maxBodyBytes: 1024, headBytes: 64, tailBytes: 64 });
      const served = await get('/api/v0/openapi.json');
      expect(served.status).to.equal(200);
      const document = JSON.parse(await served.clone().text()) as Document;
      expect(document).to.deep.equal(JSON.parse(JSON.stringify(buildOpenApiDocument(API_OPERATIONS, apiDocumentOptions(true)))));
      validator = new OpenApiValidator(document);
      await validator.expectConforms('get', '/api/v0/openapi.json', served);
    });
    after(async () => {
      await service.close();
    });

    async function startOk(command: string, extra: Record<string, unknown> = {}): Promise<string> {
      const response = await post(`${P}/start`, { command, ...extra });
      return (JSON.parse(await validator.expectConforms('post', `${P}/start`, response)) as { id: string }).id;
    }

    it('answers the process routes as documented, for every documented status', async () => {
      const done = await startOk('echo hello; echo oops >&2; exit 3');
      await validator.expectConforms('get', `${P}/{id}/output`, await get(`${P}/${done}/output?wait=true`));
      const big = await startOk('head -c 500 /dev/zero | tr "\\0" x');
      const bigText = await validator.expectConforms('get', `${P}/{id}/output`, await get(`${P}/${big}/output?wait=true`));
      expect(bigText).to.include('"truncated"');
      const sleeper = await startOk('sleep 30', { background: true });
      await validator.expectConforms('get', `${P}/{id}/output`, await get(`${P}/${sleeper}/output`));
      await validator.expectConforms('get', `${P}/list`, await get(`${P}/list`));
      await validator.expectConforms('post', `${P}/{id}/signal`, await post(`${P}/${sleeper}/signal`, { signal: 'kill' }));
      const killedText = await validator.expectConforms('get', `${P}/{id}/output`, await get(`${P}/${sleeper}/output?wait=true`));
      expect(killedText).to.include('"exit_reason":"requested"');
      await validator.expectConforms('get', `${P}/list`, await get(`${P}/list`, { ...AUTH, 'coder-chat-id': '55555555-5555-4555-8555-555555555555' }));

      await validator.expectConforms('post', `${P}/start`, await post(`${P}/start`, {}));
      await validator.expectConforms('post', `${P}/start`, await post(`${P}/start`, { command: 'x'.repeat(2000) }));
      await validator.expectConforms('post', `${P}/start`, await post(`${P}/start`, { command: 'true', workdir: '/nonexistent/dir' }));
      await validator.expectConforms('get', `${P}/list`, await get(`${P}/list`, { ...AUTH, 'coder-chat-id': 'not-a-uuid' }));
      await validator.expectConforms('get', `${P}/{id}/output`, await get(`${P}/no-such-id/output`));
      await validator.expectConforms('get', `${P}/{id}/output`, await get(`${P}/${done}/output`, { ...AUTH, 'coder-chat-id': 'bad' }));
      await validator.expectConforms('post', `${P}/{id}/signal`, await post(`${P}/${done}/signal`, { signal: 'hup' }));
      await validator.expectConforms('post', `${P}/{id}/signal`, await post(`${P}/no-such-id/signal`, { signal: 'kill' }));
      await validator.expectConforms('post', `${P}/{id}/signal`, await post(`${P}/${done}/signal`, { signal: 'kill' }));
      await validator.expectConforms('post', `${P}/{id}/signal`, await post(`${P}/${done}/signal`, { signal: 'x'.repeat(2000) }));
    });

    it('answers the stream, input, resize and git routes as documented, for every documented status', async () => {
      const chat = '66666666-6666-4666-8666-666666666666';
      const done = await startOk('echo streamed');
      await get(`${P}/${done}/output?wait=true`);
      await validator.expectConforms('get', `${P}/{id}/output`, await get(`${P}/${done}/output?wait=match&pattern=streamed&cursor=0`));
      await validator.expectConforms('get', `${P}/{id}/output`, await get(`${P}/${done}/output?cursor=-5`));
      await validator.expectConforms('get', `${P}/{id}/stream`, await get(`${P}/${done}/stream`));
      await validator.expectConforms('get', `${P}/{id}/stream`, await get(`${P}/${done}/stream?cursor=1000000`));
      await validator.expectConforms('get', `${P}/{id}/stream`, await get(`${P}/${done}/stream?encoding=latin9`));
      await validator.expectConforms('get', `${P}/{id}/stream`, await get(`${P}/no-such-id/stream`));

      const noStdin = await startOk('sleep 30');
      await validator.expectConforms('get', `${P}/{id}/output`, await get(`${P}/${noStdin}/output?wait=input`));
      await post(`${P}/${noStdin}/signal`, { signal: 'kill' });

      const reader = await startOk('cat', { stdin: true });
      await validator.expectConforms('post', `${P}/{id}/input`, await post(`${P}/${reader}/input`, { text: 'hi\n' }));
      await validator.expectConforms('post', `${P}/{id}/input`, await post(`${P}/${reader}/input`, {}));
      await validator.expectConforms('post', `${P}/{id}/input`, await post(`${P}/${reader}/input`, { text: 'x'.repeat(2000) }));
      await validator.expectConforms('post', `${P}/{id}/input`, await post(`${P}/no-such-id/input`, { text: 'x' }));
      await validator.expectConforms('post', `${P}/{id}/input`, await post(`${P}/${done}/input`, { text: 'x' }));

      const terminal = await startOk('read _', { pty: { cols: 80, rows: 24 } });
      await validator.expectConforms('post', `${P}/{id}/resize`, await post(`${P}/${terminal}/resize`, { cols: 100, rows: 30 }));
      await validator.expectConforms('post', `${P}/{id}/resize`, await post(`${P}/${terminal}/resize`, { cols: 0, rows: 30 }));
      await validator.expectConforms('post', `${P}/{id}/resize`, await post(`${P}/${terminal}/resize`, { cols: 1, rows: 1, pad: 'x'.repeat(2000) }));
      await validator.expectConforms('post', `${P}/{id}/resize`, await post(`${P}/no-such-id/resize`, { cols: 10, rows: 10 }));
      await validator.expectConforms('post', `${P}/{id}/resize`, await post(`${P}/${reader}/resize`, { cols: 10, rows: 10 }));
      await post(`${P}/${reader}/input`, { eof: true });
      await post(`${P}/${terminal}/signal`, { signal: 'kill' });

      await validator.expectConforms('post', '/api/v0/git/paths', await post('/api/v0/git/paths', { chat_id: chat, paths: ['/tmp'] }));
      await validator.expectConforms('post', '/api/v0/git/paths', await post('/api/v0/git/paths', { chat_id: chat, paths: ['relative'] }));
      await validator.expectConforms('post', '/api/v0/git/paths', await post('/api/v0/git/paths', { chat_id: chat, paths: ['/x'.repeat(600)] }));
      await validator.expectConforms('post', '/api/v0/git/paths', await post('/api/v0/git/paths', { chat_id: chat, paths: ['/tmp'] }, { ...AUTH, 'coder-chat-id': '77777777-7777-4777-8777-777777777777' }));
      await validator.expectConforms('get', '/api/v0/git/watch', await get(`/api/v0/git/watch?chat_id=${chat}`));
    });

    it('answers the events stream, and the process-watch waits of a service without it, as documented', async () => {
      const other = await startTestService({ authToken: TOKEN, processWatch: false, maxEventStreams: 1 });
      try {
        const open = await other.request(`${P}/events?after=0`, { headers: AUTH });
        expect(open.status).to.equal(200);
        await validator.expectConforms('get', `${P}/events`, await other.request(`${P}/events`, { headers: AUTH }));
        await validator.expectConforms('get', `${P}/events`, await other.request(`${P}/events?after=soon`, { headers: AUTH }));
        const started = await other.post(`${P}/start`, { command: 'echo hi' }, AUTH);
        const { id } = (await started.json()) as { id: string };
        await validator.expectConforms('get', `${P}/{id}/output`, await other.request(`${P}/${id}/output?wait=port`, { headers: AUTH }));
        await other.request(`${P}/${id}/output?wait=true`, { headers: AUTH });
        // The stream ends once the supervisor closed, after the exits went out.
        await other.supervisor.close();
        const text = await validator.expectConforms('get', `${P}/events`, open);
        expect(text).to.include('event: started').and.include('event: exited');
        await validator.expectConforms('get', `${P}/events`, await other.request(`${P}/events`, { headers: AUTH }));
      } finally {
        await other.close();
      }
    });

    it('answers a signal the OS refuses (500 SIGNAL_FAILED) as documented', async () => {
      const spawner = new FakeSpawner({ autoSpawn: true });
      const fake = await startTestService({ authToken: TOKEN }, { spawner });
      try {
        const started = await fake.post(`${P}/start`, { command: 'anything' }, AUTH);
        const { id } = (await started.json()) as { id: string };
        spawner.last.onSignal = 'throw';
        const refused = await fake.post(`${P}/${id}/signal`, { signal: 'terminate' }, AUTH);
        expect(refused.status).to.equal(500);
        await validator.expectConforms('post', `${P}/{id}/signal`, refused);
      } finally {
        spawner.last.onSignal = 'die';
        await fake.close();
      }
    });

    it('answers the operations routes as documented, and every operation\'s 401', async () => {
      await validator.expectConforms('get', '/healthz', await get('/healthz', {}));
      const metrics = await validator.expectConforms('get', '/metrics', await get('/metrics'));
      expect(metrics).to.include('procvisor_processes_started_total');
      for (const op of API_OPERATIONS.filter((o) => !o.public)) {
        const path = op.path.replace('{id}', 'some-id');
        const response = op.method === 'post' ? await post(path, {}, {}) : await get(path, {});
        await validator.expectConforms(op.method, op.path, response);
      }
    });

    it('answers the ticket route, and every operation\'s 403 to a foreign page, as documented', async () => {
      const ticket = await validator.expectConforms('post', '/api/v0/auth/ticket', await post('/api/v0/auth/ticket', {}));
      expect(JSON.parse(ticket)).to.have.property('expires_in_ms', 30_000);
      for (const op of API_OPERATIONS) {
        const path = op.path.replace('{id}', 'some-id');
        const headers = { ...AUTH, origin: 'http://evil.example' };
        const response = op.method === 'post' ? await post(path, {}, headers) : await get(path, headers);
        expect(response.status, `${op.method} ${op.path}`).to.equal(403);
        await validator.expectConforms(op.method, op.path, response);
      }
    });

    it('answers /healthz 503 as documented once the service is shutting down', async () => {
      const closing = await startTestService();
      // The supervisor closes first in Service.close(); the server still answers at that point.
      await closing.supervisor.close();
      try {
        const response = await closing.request('/healthz');
        expect(response.status).to.equal(503);
        await validator.expectConforms('get', '/healthz', response);
      } finally {
        await closing.close();
      }
    });

    it('has exercised every documented response of every operation', () => {
      const missing = validator.documented().filter((key) => !validator.checked.has(key));
      expect(missing).to.deep.equal([]);
    });
  });
});
