import { expect } from 'chai';
import { realClock, type Clock } from '../../src/clock.js';
import { INSPECT_SESSION_MS, TICKET_TTL_MS } from '../../src/web/auth.js';
import { CredentialStore } from '../../src/web/credential-store.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { tryUpgrade } from '../helpers/watch-client.js';

const TOKEN = 'access-credentials-token-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const CHAT = '11111111-1111-4111-8111-111111111111';

/** A clock whose `now` the spec moves; timers stay real (nothing here waits on them). */
function manualClock(): Clock & { advance(ms: number): void } {
  let now = Date.now();
  return { now: () => now, setTimeout: (callback, delayMs) => realClock.setTimeout(callback, delayMs), clearTimeout: (handle) => realClock.clearTimeout(handle), advance: (ms) => (now += ms) };
}

/** Trades the token for a view session; returns the `name=value` cookie pair. */
async function inspectCookie(service: TestService): Promise<string> {
  const traded = await service.request(`/inspect?token=${TOKEN}`, { redirect: 'manual' });
  expect(traded.status).to.equal(302);
  return (traded.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

async function mintTicket(service: TestService, headers: Record<string, string> = {}): Promise<string> {
  const response = await service.post('/api/v0/auth/ticket', {}, { ...AUTH, ...headers });
  expect(response.status).to.equal(200);
  expect(response.headers.get('cache-control')).to.equal('no-store');
  return ((await response.json()) as { ticket: string }).ticket;
}

/** Opens the git watch socket; resolves with 101 when it opened, else the refusal's status. */
async function watch(service: TestService, query: string, headers: Record<string, string> = {}): Promise<number> {
  return (await tryUpgrade(service.url, `?chat_id=${CHAT}${query}`, headers)).status;
}

describe('CredentialStore', () => {
  it('issues random values that are valid until the ttl on its clock', () => {
    const clock = manualClock();
    const store = new CredentialStore({ clock, ttlMs: 1000, maxEntries: 4, singleUse: false });
    const { value, expiresInMs } = store.issue(null);
    expect(value).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(expiresInMs).to.equal(1000);
    expect(store.issue(null).value).to.not.equal(value);
    expect(store.redeem(value) !== null).to.equal(true);
    expect(store.redeem(value) !== null).to.equal(true);
    clock.advance(999);
    expect(store.redeem(value) !== null).to.equal(true);
    clock.advance(1);
    expect(store.redeem(value) !== null).to.equal(false);
    expect(store.redeem('never-issued') !== null).to.equal(false);
  });

  it('accepts a single-use value once', () => {
    const store = new CredentialStore({ clock: manualClock(), ttlMs: 1000, maxEntries: 4, singleUse: true });
    const { value } = store.issue(null);
    expect(store.redeem(value) !== null).to.equal(true);
    expect(store.redeem(value) !== null).to.equal(false);
  });

  it('holds at most maxEntries, dropping the oldest', () => {
    const store = new CredentialStore({ clock: manualClock(), ttlMs: 1000, maxEntries: 3, singleUse: false });
    const values = [1, 2, 3, 4].map(() => store.issue(null).value);
    expect(store.size).to.equal(3);
    expect(values.map((v) => store.redeem(v) !== null)).to.deep.equal([false, true, true, true]);
  });
});

describe('/inspect view sessions', function () {
  this.timeout(20_000);
  let service: TestService;
  let clock: ReturnType<typeof manualClock>;
  before(async () => {
    clock = manualClock();
    service = await startTestService({ authToken: TOKEN }, { clock });
  });
  after(async () => {
    await service.close();
  });

  it('sets a random cookie that is not the token, and that the API refuses as a bearer, a cookie or a ticket', async () => {
    const pair = await inspectCookie(service);
    const value = pair.slice(pair.indexOf('=') + 1);
    expect(value).to.not.equal(TOKEN);
    expect((await service.request('/inspect/machine.json', { headers: { cookie: pair } })).status).to.equal(200);
    const asBearer = await service.request('/api/v0/processes/list', { headers: { authorization: `Bearer ${value}` } });
    expect(asBearer.status).to.equal(401);
    expect(((await asBearer.json()) as { code: string }).code).to.equal('UNAUTHORIZED');
    expect((await service.post('/api/v0/processes/start', { command: 'true' }, { authorization: `Bearer ${value}` })).status).to.equal(401);
    expect((await service.request('/api/v0/processes/list', { headers: { cookie: pair } })).status).to.equal(401);
    expect((await service.request(`/api/v0/processes/x/stream?ticket=${value}`)).status).to.equal(401);
    expect(await watch(service, `&ticket=${value}`)).to.equal(401);
  });

  it('expires the cookie after INSPECT_SESSION_MS on the injected clock', async () => {
    const pair = await inspectCookie(service);
    clock.advance(INSPECT_SESSION_MS - 1);
    expect((await service.request('/inspect/machine.json', { headers: { cookie: pair } })).status).to.equal(200);
    clock.advance(1);
    expect((await service.request('/inspect/machine.json', { headers: { cookie: pair } })).status).to.equal(401);
  });

  it('does not accept a cookie of an earlier run after a restart', async () => {
    const pair = await inspectCookie(service);
    const restarted = await startTestService({ authToken: TOKEN });
    try {
      expect((await restarted.request('/inspect/machine.json', { headers: { cookie: pair } })).status).to.equal(401);
    } finally {
      await restarted.close();
    }
  });
});

describe('tickets (POST /api/v0/auth/ticket)', function () {
  this.timeout(20_000);
  let service: TestService;
  let clock: ReturnType<typeof manualClock>;
  let processId: string;
  before(async () => {
    clock = manualClock();
    service = await startTestService({ authToken: TOKEN }, { clock });
    const started = await service.post('/api/v0/processes/start', { command: 'echo ticketed' }, AUTH);
    processId = ((await started.json()) as { id: string }).id;
    await (await service.request(`/api/v0/processes/${processId}/output?wait=true`, { headers: AUTH })).body?.cancel();
  });
  after(async () => {
    await service.close();
  });

  it('needs the bearer token to issue one', async () => {
    expect((await service.post('/api/v0/auth/ticket', {})).status).to.equal(401);
  });

  it('opens a process stream once, then is spent', async () => {
    const ticket = await mintTicket(service);
    const first = await service.request(`/api/v0/processes/${processId}/stream?ticket=${ticket}`);
    expect(first.status).to.equal(200);
    expect(await first.text()).to.include('ticketed');
    const again = await service.request(`/api/v0/processes/${processId}/stream?ticket=${ticket}`);
    expect(again.status).to.equal(401);
    expect(await again.json()).to.deep.include({ message: 'Invalid or expired ticket.', code: 'UNAUTHORIZED' });
    expect(again.headers.get('www-authenticate')).to.include('error="invalid_token"');
  });

  it('opens the git watch socket once, then is spent', async () => {
    const ticket = await mintTicket(service);
    expect(await watch(service, `&ticket=${ticket}`)).to.equal(101);
    expect(await watch(service, `&ticket=${ticket}`)).to.equal(401);
  });

  it('is refused after TICKET_TTL_MS on the injected clock', async () => {
    const ticket = await mintTicket(service);
    clock.advance(TICKET_TTL_MS);
    expect((await service.request(`/api/v0/processes/${processId}/stream?ticket=${ticket}`)).status).to.equal(401);
  });

  it('is not accepted anywhere but the stream and git watch', async () => {
    for (const [method, path] of [['GET', '/api/v0/processes/list'], ['GET', `/api/v0/processes/${processId}/output`], ['POST', '/api/v0/processes/start'], ['GET', '/metrics'], ['GET', '/inspect/machine.json']]) {
      const ticket = await mintTicket(service);
      const response = await service.request(`${path}?ticket=${ticket}`, { method, headers: { 'content-type': 'application/json' }, ...(method === 'POST' ? { body: '{"command":"true"}' } : {}) });
      expect(response.status, `${method} ${path}`).to.equal(401);
    }
  });

  it('never writes a ticket to the log', async () => {
    const used = await mintTicket(service);
    await (await service.request(`/api/v0/processes/${processId}/stream?ticket=${used}`)).text();
    await (await service.request(`/api/v0/processes/${processId}/stream?ticket=${used}`)).text();
    const watched = await mintTicket(service);
    await watch(service, `&ticket=${watched}`);
    await watch(service, `&ticket=${watched}`);
    const log = JSON.stringify(service.sink.lines);
    expect(service.sink.lines.some((line) => line.msg === 'request' && line.path === `/api/v0/processes/${processId}/stream` && line.status === 401)).to.equal(true);
    expect(log).to.not.include(used);
    expect(log).to.not.include(watched);
    expect(log).to.not.include(TOKEN);
  });

  describe('asked for by a chat', () => {
    const OTHER = '22222222-2222-4222-8222-222222222222';
    const asChat = (chat: string): Record<string, string> => ({ 'coder-chat-id': chat });
    let ownId: string;
    let otherId: string;
    before(async () => {
      const start = async (chat: string): Promise<string> => ((await (await service.post('/api/v0/processes/start', { command: `echo from-${chat.slice(0, 4)}` }, { ...AUTH, ...asChat(chat) })).json()) as { id: string }).id;
      ownId = await start(CHAT);
      otherId = await start(OTHER);
      for (const [id, chat] of [[ownId, CHAT], [otherId, OTHER]] as const) await (await service.request(`/api/v0/processes/${id}/output?wait=true`, { headers: { ...AUTH, ...asChat(chat) } })).body?.cancel();
    });

    it("reads that chat's process streams only, whatever the redeeming request's headers say", async () => {
      const own = await service.request(`/api/v0/processes/${ownId}/stream?ticket=${await mintTicket(service, asChat(CHAT))}`);
      expect(own.status).to.equal(200);
      expect(await own.text()).to.include('from-1111');
      const foreign = await service.request(`/api/v0/processes/${otherId}/stream?ticket=${await mintTicket(service, asChat(CHAT))}`, { headers: asChat(OTHER) });
      expect(foreign.status).to.equal(404);
      expect(((await foreign.json()) as { code: string }).code).to.equal('PROCESS_NOT_FOUND');
      // A ticket asked for without a chat acts as the token does.
      expect((await service.request(`/api/v0/processes/${otherId}/stream?ticket=${await mintTicket(service)}`)).status).to.equal(200);
    });

    it("watches that chat's repositories only", async () => {
      expect(await watch(service, `&ticket=${await mintTicket(service, asChat(CHAT))}`)).to.equal(101);
      expect((await tryUpgrade(service.url, `?ticket=${await mintTicket(service, asChat(CHAT))}`, {})).status).to.equal(101);
      expect((await tryUpgrade(service.url, `?chat_id=${OTHER}&ticket=${await mintTicket(service, asChat(CHAT))}`, {})).status).to.equal(404);
      expect((await tryUpgrade(service.url, `?chat_id=${OTHER}&ticket=${await mintTicket(service)}`, {})).status).to.equal(101);
    });
  });
});
