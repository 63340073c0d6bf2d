import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { createBrowserGuard, hostName } from '../../src/web/browser-guard.js';
import { serviceRoutes, type RegisteredRoute } from '../helpers/app-routes.js';
import { rawRequest } from '../helpers/raw-request.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { waitUntil } from '../helpers/wait-until.js';
import { tryUpgrade } from '../helpers/watch-client.js';

const PROCESS_ID = '44444444-4444-4444-8444-444444444444';
const CHAT = '11111111-1111-4111-8111-111111111111';

/** Opens the git watch socket with `headers`; resolves with the refusal's status and code, or 101. */
async function upgrade(service: TestService, headers: Record<string, string>): Promise<{ status: number; code?: string }> {
  const { status, body } = await tryUpgrade(service.url, `?chat_id=${CHAT}`, headers);
  return status === 101 ? { status } : { status, code: (JSON.parse(body) as { code: string }).code };
}

function pathOf(route: RegisteredRoute): string {
  return route.path.replace(/:\w+/g, PROCESS_ID);
}

describe('createBrowserGuard', () => {
  const guard = createBrowserGuard({ host: '127.0.0.1', allowedHosts: ['box.lan', '.dev.example'], allowedOrigins: ['https://app.example'] });
  const codeOf = (host: string | undefined, origin?: string, overUnixSocket = false): string | null => guard({ host, origin, overUnixSocket })?.code ?? null;

  it('serves loopback names with any port, the configured host and allowedHosts', () => {
    for (const host of ['localhost', 'localhost:8420', 'LOCALHOST:1', '127.0.0.1:8420', '127.0.0.2', '[::1]:8420', '[::1]', 'box.lan:80', 'dev.example', 'a.b.dev.example:9']) {
      expect(codeOf(host), host).to.equal(null);
    }
  });

  it('refuses any other name, and malformed values, with HOST_NOT_ALLOWED', () => {
    for (const host of ['evil.example:8420', 'evil.example', '10.0.0.1:8420', 'xdev.example', 'box.lan.evil', '::1', 'localhost:x', 'a b', '']) {
      expect(codeOf(host), host).to.equal('HOST_NOT_ALLOWED');
    }
  });

  it('exempts a Unix socket from the Host check, but not from the Origin check', () => {
    expect(codeOf('evil.example', undefined, true)).to.equal(null);
    expect(codeOf('evil.example', 'http://other.example', true)).to.equal('ORIGIN_NOT_ALLOWED');
  });

  it('lets a request without Origin through, and an Origin equal to the one it came in on, or listed', () => {
    expect(codeOf('127.0.0.1:8420')).to.equal(null);
    expect(codeOf('127.0.0.1:8420', 'http://127.0.0.1:8420')).to.equal(null);
    expect(codeOf('localhost:8420', 'http://LOCALHOST:8420')).to.equal(null);
    expect(codeOf('127.0.0.1:8420', 'https://app.example')).to.equal(null);
  });

  it('refuses every other Origin, null and another port or loopback name included, with ORIGIN_NOT_ALLOWED', () => {
    for (const origin of ['null', 'http://evil.example', 'http://127.0.0.1:8421', 'http://localhost:8420', 'https://127.0.0.1:8420', 'http://127.0.0.1', 'https://app.example:443']) {
      expect(codeOf('127.0.0.1:8420', origin), origin).to.equal('ORIGIN_NOT_ALLOWED');
    }
  });

  it('allows any host with "*"', () => {
    const open = createBrowserGuard({ host: '127.0.0.1', allowedHosts: ['*'], allowedOrigins: [] });
    expect(open({ host: 'anything.example:1', origin: undefined, overUnixSocket: false })).to.equal(null);
  });

  it('parses Host values into lower-case names without port', () => {
    expect(hostName('Example.COM.:8080')).to.equal('example.com');
    expect(hostName('[::1]:1')).to.equal('[::1]');
    expect(hostName('a@b')).to.equal(null);
  });
});

describe('browser guard on the service', function () {
  this.timeout(20_000);
  let routes: RegisteredRoute[];
  let service: TestService;
  let scratch: string;
  before(async () => {
    routes = await serviceRoutes();
    service = await startTestService();
    scratch = mkdtempSync(join(tmpdir(), 'procvisor-guard-'));
  });
  after(async () => {
    await service.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('answers 403 HOST_NOT_ALLOWED on every route, /healthz and /inspect included, for a rebound name', async () => {
    for (const route of routes) {
      const response = await rawRequest(service.url, pathOf(route), { method: route.method, headers: { host: 'evil.example:8420' } });
      const label = `${route.method} ${route.path}`;
      expect(response.status, label).to.equal(403);
      const body = JSON.parse(response.body) as { code: string; message: string; detail: string };
      expect(body.code, label).to.equal('HOST_NOT_ALLOWED');
      expect(body.message).to.equal('Host "evil.example:8420" is not allowed.');
      expect(body.detail).to.include('allowedHosts (PROCVISOR_ALLOWED_HOSTS');
    }
  });

  it('answers 403 ORIGIN_NOT_ALLOWED on every route for a foreign Origin, before auth or the body', async () => {
    for (const route of routes) {
      for (const origin of ['http://evil.example', 'null', `http://localhost:${new URL(service.url).port}`]) {
        const response = await rawRequest(service.url, pathOf(route), { method: route.method, headers: { origin, 'content-type': 'text/plain' }, body: route.method === 'POST' ? 'not json' : '' });
        const label = `${route.method} ${route.path} from ${origin}`;
        expect(response.status, label).to.equal(403);
        expect((JSON.parse(response.body) as { code: string }).code, label).to.equal('ORIGIN_NOT_ALLOWED');
      }
    }
  });

  it('runs nothing for a cross-origin text/plain POST /start (the no-cors fetch and form case)', async () => {
    const marker = join(scratch, 'cross-origin');
    const response = await rawRequest(service.url, '/api/v0/processes/start', {
      method: 'POST',
      headers: { origin: 'http://evil.example', 'content-type': 'text/plain;charset=UTF-8' },
      body: JSON.stringify({ command: `touch ${marker}` }),
    });
    expect(response.status).to.equal(403);
    const list = (await (await service.request('/api/v0/processes/list')).json()) as { processes: { command: string }[] };
    expect(list.processes.map((p) => p.command)).to.not.include(`touch ${marker}`);
    expect(existsSync(marker)).to.equal(false);
  });

  it('serves v0 clients without Origin unchanged: JSON with, without and with a text/plain Content-Type', async () => {
    for (const contentType of ['application/json', undefined, 'text/plain']) {
      const marker = join(scratch, `v0-${contentType ?? 'none'}`.replace('/', '-'));
      const response = await rawRequest(service.url, '/api/v0/processes/start', {
        method: 'POST',
        headers: contentType ? { 'content-type': contentType } : {},
        body: JSON.stringify({ command: `touch ${marker}` }),
      });
      expect(response.status, String(contentType)).to.equal(200);
      const { id } = JSON.parse(response.body) as { id: string };
      const output = await rawRequest(service.url, `/api/v0/processes/${id}/output?wait=true`);
      expect(JSON.parse(output.body)).to.include({ exit_code: 0 });
      expect(existsSync(marker)).to.equal(true);
    }
  });

  it('serves a same-origin page: Origin equal to the Host it came in on, on 127.0.0.1 and on localhost', async () => {
    const port = new URL(service.url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      const response = await rawRequest(service.url, '/api/v0/processes/start', {
        method: 'POST',
        headers: { host, origin: `http://${host}`, 'content-type': 'application/json' },
        body: JSON.stringify({ command: 'true' }),
      });
      expect(response.status, host).to.equal(200);
    }
  });

  it('guards the SSE streams: a process stream and /inspect/events', async () => {
    const started = await service.post('/api/v0/processes/start', { command: 'echo streamed' });
    const { id } = (await started.json()) as { id: string };
    await (await service.request(`/api/v0/processes/${id}/output?wait=true`)).body?.cancel();
    const foreign = await rawRequest(service.url, `/api/v0/processes/${id}/stream`, { headers: { origin: 'http://evil.example', accept: 'text/event-stream' } });
    expect(foreign.status).to.equal(403);
    expect(foreign.body).to.not.include('streamed');
    const rebound = await rawRequest(service.url, `/api/v0/processes/${id}/stream`, { headers: { host: 'evil.example', accept: 'text/event-stream' } });
    expect(rebound.status).to.equal(403);
    const own = await rawRequest(service.url, `/api/v0/processes/${id}/stream`, { headers: { origin: service.url, accept: 'text/event-stream' } });
    expect(own.status).to.equal(200);
    expect(own.body).to.include('streamed');
    const inspect = await rawRequest(service.url, '/inspect/events', { headers: { origin: 'http://evil.example' } });
    expect(inspect.status).to.equal(403);
  });

  it('guards the git watch WebSocket upgrade: foreign Origin and rebound Host refused, own origin and no Origin accepted', async () => {
    expect(await upgrade(service, { Origin: 'http://evil.example' })).to.deep.equal({ status: 403, code: 'ORIGIN_NOT_ALLOWED' });
    expect(await upgrade(service, { Origin: 'null' })).to.deep.equal({ status: 403, code: 'ORIGIN_NOT_ALLOWED' });
    expect(await upgrade(service, { Host: 'evil.example:8420' })).to.deep.equal({ status: 403, code: 'HOST_NOT_ALLOWED' });
    expect(await upgrade(service, { Origin: service.url })).to.deep.equal({ status: 101 });
    expect(await upgrade(service, {})).to.deep.equal({ status: 101 });
    await waitUntil(() => service.sink.lines.some((line) => line.msg === 'git watch refused' && line.code === 'ORIGIN_NOT_ALLOWED'), 'the refusal log line');
  });

  it('logs each refusal with its code in the access log', async () => {
    await rawRequest(service.url, '/api/v0/processes/list', { headers: { origin: 'http://logged.example' } });
    const line = service.sink.lines.find((l) => l.msg === 'request' && l.path === '/api/v0/processes/list' && l.status === 403);
    expect(line).to.not.equal(undefined);
    expect(service.sink.lines.some((l) => l.msg === 'browser request refused' && l.origin === 'http://logged.example')).to.equal(true);
  });
});

describe('browser guard settings', function () {
  this.timeout(20_000);

  it('serves allowedHosts and allowedOrigins', async () => {
    const service = await startTestService({ allowedHosts: ['box.lan'], allowedOrigins: ['https://app.example'] });
    try {
      expect((await rawRequest(service.url, '/api/v0/processes/list', { headers: { host: 'box.lan:8420' } })).status).to.equal(200);
      expect((await rawRequest(service.url, '/api/v0/processes/list', { headers: { origin: 'https://app.example' } })).status).to.equal(200);
      expect((await rawRequest(service.url, '/api/v0/processes/list', { headers: { origin: 'https://other.example' } })).status).to.equal(403);
    } finally {
      await service.close();
    }
  });

  it('exempts a Unix socket listener from the Host check', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'procvisor-guard-sock-'));
    const service = await startTestService({ socket: join(dir, 'p.sock') });
    try {
      const socketPath = join(dir, 'p.sock');
      expect((await rawRequest({ socketPath }, '/api/v0/processes/list', { headers: { host: 'anything.example' } })).status).to.equal(200);
      expect((await rawRequest({ socketPath }, '/api/v0/processes/list', { headers: { origin: 'http://evil.example' } })).status).to.equal(403);
    } finally {
      await service.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
