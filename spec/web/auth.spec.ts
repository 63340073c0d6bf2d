import { expect } from 'chai';
import { BEARER_CHALLENGE, constantTimeEqual, createBearerCheck } from '../../src/web/auth.js';
import { serviceRoutes, type RegisteredRoute } from '../helpers/app-routes.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

const TOKEN = 's3cret-token-0123456789';
const PROCESS_ID = '44444444-4444-4444-8444-444444444444';

/** A concrete request for a registered route: path parameters filled, a JSON body for POSTs. */
function requestFor(route: RegisteredRoute, headers: Record<string, string>): [string, RequestInit] {
  const path = route.path.replace(/:\w+/g, PROCESS_ID);
  const init: RequestInit = { method: route.method, headers: { 'content-type': 'application/json', ...headers } };
  if (route.method === 'POST') init.body = '{}';
  return [path, init];
}

describe('constantTimeEqual', () => {
  it('is true for equal strings only', () => {
    expect(constantTimeEqual(TOKEN, TOKEN)).to.equal(true);
    expect(constantTimeEqual(TOKEN, TOKEN.replace('s', 'S'))).to.equal(false);
  });

  it('compares strings of different lengths without throwing', () => {
    expect(constantTimeEqual(TOKEN, TOKEN.slice(0, -1))).to.equal(false);
    expect(constantTimeEqual(TOKEN, `${TOKEN}x`)).to.equal(false);
    expect(constantTimeEqual('', TOKEN)).to.equal(false);
    expect(constantTimeEqual('é', 'e')).to.equal(false);
    expect(constantTimeEqual('x'.repeat(100_000), TOKEN)).to.equal(false);
  });
});

describe('createBearerCheck', () => {
  const check = createBearerCheck(TOKEN);

  it('accepts the token with the Bearer scheme, in any letter case', () => {
    expect(check(`Bearer ${TOKEN}`)).to.equal('ok');
    expect(check(`bearer ${TOKEN}`)).to.equal('ok');
    expect(check(`BEARER  ${TOKEN} `)).to.equal('ok');
  });

  it('calls a missing header, an empty one or another scheme missing', () => {
    for (const header of [undefined, '', 'Bearer', 'Bearer ', `Basic ${TOKEN}`, TOKEN]) expect(check(header), String(header)).to.equal('missing');
  });

  it('calls any other Bearer credential invalid: wrong, a prefix, an extension, extra words', () => {
    for (const credential of ['wrong', TOKEN.slice(0, -1), `${TOKEN}0`, `${TOKEN} ${TOKEN}`]) {
      expect(check(`Bearer ${credential}`), credential).to.not.equal('ok');
    }
    expect(check('Bearer wrong')).to.equal('invalid');
  });
});

describe('bearer auth on the service', () => {
  let routes: RegisteredRoute[];
  before(async () => {
    routes = await serviceRoutes();
    expect(routes.length).to.be.greaterThan(5);
  });

  describe('with authToken set', () => {
    let service: TestService;
    before(async () => {
      service = await startTestService({ authToken: TOKEN });
    });
    after(async () => {
      await service.close();
    });

    it('answers 401 UNAUTHORIZED with a Bearer challenge on every route but /healthz when the token is missing', async () => {
      for (const route of routes) {
        const [path, init] = requestFor(route, {});
        const response = await service.request(path, init);
        const label = `${route.method} ${route.path}`;
        if (route.path === '/healthz') {
          expect(response.status, label).to.equal(200);
          await response.body?.cancel();
          continue;
        }
        expect(response.status, label).to.equal(401);
        expect(response.headers.get('www-authenticate'), label).to.equal(BEARER_CHALLENGE);
        expect(await response.json(), label).to.deep.equal({
          message: 'Authentication required.',
          detail: 'Send the header "Authorization: Bearer <token>".',
          code: 'UNAUTHORIZED',
        });
      }
    });

    it('answers 401 with error="invalid_token" on every route but /healthz when the token is wrong', async () => {
      for (const route of routes.filter((r) => r.path !== '/healthz')) {
        const [path, init] = requestFor(route, { authorization: `Bearer ${TOKEN}x` });
        const response = await service.request(path, init);
        const label = `${route.method} ${route.path}`;
        expect(response.status, label).to.equal(401);
        expect(response.headers.get('www-authenticate'), label).to.equal(`${BEARER_CHALLENGE}, error="invalid_token"`);
        expect(((await response.json()) as { code: string }).code, label).to.equal('UNAUTHORIZED');
      }
    });

    it('lets every route through with the right token', async () => {
      for (const route of routes) {
        const [path, init] = requestFor(route, { authorization: `Bearer ${TOKEN}` });
        const response = await service.request(path, init);
        expect(response.status, `${route.method} ${route.path}`).to.not.equal(401);
        await response.body?.cancel();
      }
    });

    it('refuses unknown paths and methods with 401 before 404 or 405, so they reveal no route', async () => {
      expect((await service.request('/no/such/route')).status).to.equal(401);
      expect((await service.request('/api/v0/processes/list', { method: 'DELETE' })).status).to.equal(401);
      const known = await service.request('/no/such/route', { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(known.status).to.equal(404);
      await known.body?.cancel();
    });

    it('keeps PROCVISOR_AUTH_TOKEN out of the environment of the processes it runs', async () => {
      process.env.PROCVISOR_AUTH_TOKEN = TOKEN;
      try {
        const headers = { authorization: `Bearer ${TOKEN}` };
        const started = await service.post('/api/v0/processes/start', { command: 'echo "${PROCVISOR_AUTH_TOKEN:-unset}"' }, headers);
        const { id } = (await started.json()) as { id: string };
        const output = await service.request(`/api/v0/processes/${id}/output?wait=true`, { headers });
        expect(((await output.json()) as { output: string }).output).to.equal('unset\n');
      } finally {
        delete process.env.PROCVISOR_AUTH_TOKEN;
      }
    });

    it('opens the /inspect view to a browser through ?token=, with a cookie valid for /inspect only', async () => {
      const wrong = await service.request('/inspect?token=not-the-token-at-all', { redirect: 'manual' });
      expect(wrong.status).to.equal(401);
      const traded = await service.request(`/inspect?token=${TOKEN}`, { redirect: 'manual' });
      expect(traded.status).to.equal(302);
      expect(traded.headers.get('location')).to.equal('/inspect');
      const cookie = traded.headers.get('set-cookie') ?? '';
      expect(cookie).to.match(/^procvisor_inspect=[^;]+; path=\/inspect; expires=[^;]+; samesite=strict; httponly$/);
      // A view session, not the token: random, and nowhere else accepted.
      expect(cookie).to.not.include(TOKEN);
      const pair = cookie.split(';')[0] ?? '';
      expect((await service.request('/inspect', { headers: { cookie: pair } })).status).to.equal(200);
      expect((await service.request('/inspect/machine.json', { headers: { cookie: pair } })).status).to.equal(200);
      // The API never takes the cookie: no cross-site request can start a process with it.
      const api = await service.request('/api/v0/processes/list', { headers: { cookie: pair } });
      expect(api.status).to.equal(401);
      const wrongCookie = await service.request('/inspect/machine.json', { headers: { cookie: 'procvisor_inspect=nope' } });
      expect(wrongCookie.status).to.equal(401);
    });

    it('logs the refusal in the access log without the token', async () => {
      const response = await service.request('/metrics', { headers: { authorization: 'Bearer not-the-token' } });
      expect(response.status).to.equal(401);
      await response.body?.cancel();
      const line = service.sink.lines.find((l) => l.msg === 'request' && l.path === '/metrics' && l.status === 401);
      expect(line).to.not.equal(undefined);
      expect(JSON.stringify(service.sink.lines)).to.not.include(TOKEN);
      expect(JSON.stringify(service.sink.lines)).to.not.include('not-the-token');
    });
  });

  describe('with no authToken (the default)', () => {
    let service: TestService;
    before(async () => {
      service = await startTestService();
    });
    after(async () => {
      await service.close();
    });

    it('needs no token on any route, and ignores one that is sent', async () => {
      for (const route of routes) {
        for (const headers of [{}, { authorization: 'Bearer whatever' }] as Record<string, string>[]) {
          const [path, init] = requestFor(route, headers);
          const response = await service.request(path, init);
          expect(response.status, `${route.method} ${route.path}`).to.not.equal(401);
          await response.body?.cancel();
        }
      }
    });
  });
});
