import { expect } from 'chai';
import type { FeedMessage } from '../../src/inspect/inspect-feed.js';
import { describeMachine } from '../../src/inspect/machine-chart.js';
import { processMachine } from '../../src/supervisor/process-machine.js';
import { SseClient } from '../helpers/sse-client.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

const API = '/api/v0/processes';
type Update = Extract<FeedMessage, { type: 'update' }>;

describe('inspect routes', () => {
  let service: TestService;
  const clients: SseClient[] = [];

  async function open(): Promise<SseClient> {
    const client = await SseClient.open(`${service.url}/inspect/events`);
    clients.push(client);
    return client;
  }

  async function start(command: string): Promise<string> {
    const response = await service.post(`${API}/start`, { command });
    expect(response.status).to.equal(200);
    return ((await response.json()) as { id: string }).id;
  }

  before(async () => {
    service = await startTestService();
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) {
      client.close();
      await client.ended;
    }
  });

  after(async () => {
    await service.close();
  });

  it('serves the page and its files from memory, with a strict content policy', async () => {
    const page = await service.request('/inspect');
    expect(page.status).to.equal(200);
    expect(page.headers.get('content-type')).to.equal('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).to.include("script-src 'self'");
    const html = await page.text();
    expect(html).to.include('<script src="/inspect/inspect.js" defer></script>');
    const script = await service.request('/inspect/inspect.js');
    expect(script.headers.get('content-type')).to.equal('text/javascript; charset=utf-8');
    expect(await script.text()).to.include("new EventSource('/inspect/events')");
    const css = await service.request('/inspect/inspect.css');
    expect(css.headers.get('content-type')).to.equal('text/css; charset=utf-8');
  });

  it('serves the chart described from the machine definition', async () => {
    const response = await service.request('/inspect/machine.json');
    expect(response.status).to.equal(200);
    expect(await response.json()).to.deep.equal(describeMachine(processMachine));
  });

  it('lists the processes now', async () => {
    const id = await start('echo listed');
    await service.request(`${API}/${id}/output?wait=true`);
    const body = (await (await service.request('/inspect/processes.json')).json()) as { processes: { id: string; state: string; states: string[]; output_tail: string }[] };
    expect(body.processes.find((p) => p.id === id)).to.deep.include({ state: 'exited', states: ['exited'], output_tail: 'listed\n' });
  });

  it('streams a snapshot first, then the start, output and exit of a process', async () => {
    const client = await open();
    const snapshot = await client.waitFor(() => client.data<FeedMessage>('snapshot').at(0), 'the snapshot');
    expect(snapshot.type).to.equal('snapshot');
    expect(client.events[0]?.event).to.equal('snapshot');
    const id = await start('echo one; sleep 30');
    const seen = (check: (p: Update['processes'][number]) => boolean): Update['processes'][number] | undefined =>
      client.data<Update>('update').flatMap((u) => u.processes).find((p) => p.id === id && check(p));
    const running = await client.waitFor(() => seen((p) => p.states.includes('running.lifecycle.alive') && p.output_tail === 'one\n'), 'running with its output');
    expect(running).to.deep.include({ state: 'running.lifecycle.alive, running.watchdog.unwatched', states: ['running.lifecycle.alive', 'running.watchdog.unwatched'] });
    await service.post(`${API}/${id}/signal`, { signal: 'kill' });
    const exited = await client.waitFor(() => seen((p) => p.state === 'exited'), 'the exit');
    expect(exited).to.deep.include({ states: ['exited'], exit_signal: 'SIGKILL', exit_reason: 'requested' });
    expect(exited.history.map((h) => h.type)).to.include.members(['child.spawned', 'signal', 'child.exited', 'child.closed']);
  });

  it('refuses more streams than inspectMaxClients with 503 TOO_MANY_CLIENTS', async () => {
    // Its own service: the main one may not have seen earlier streams go yet.
    const own = await startTestService({ inspectMaxClients: 1 });
    const client = await SseClient.open(`${own.url}/inspect/events`);
    try {
      const refused = await own.request('/inspect/events');
      expect(refused.status).to.equal(503);
      expect(await refused.json()).to.deep.include({ code: 'TOO_MANY_CLIENTS', message: 'Too many inspector clients.' });
    } finally {
      client.close();
      await own.close();
    }
  });

  it('answers other methods with 405', async () => {
    const response = await service.request('/inspect', { method: 'POST' });
    expect(response.status).to.equal(405);
    expect(((await response.json()) as { code: string }).code).to.equal('METHOD_NOT_ALLOWED');
  });

  it('ends every open stream when the service closes', async () => {
    const own = await startTestService();
    const client = await SseClient.open(`${own.url}/inspect/events`);
    await client.waitFor(() => client.events.length > 0, 'the snapshot');
    const startedAt = performance.now();
    await own.close();
    await client.ended;
    // Well under the server's 1 s cut-off of lingering connections: the stream was ended, not cut.
    expect(performance.now() - startedAt).to.be.lessThan(900);
    expect(client.isEnded).to.equal(true);
    expect(client.error).to.equal(null);
  });

  it('is not served when inspectPage is false', async () => {
    const own = await startTestService({ inspectPage: false });
    try {
      const response = await own.request('/inspect');
      expect(response.status).to.equal(404);
      expect(((await response.json()) as { code: string }).code).to.equal('ROUTE_NOT_FOUND');
    } finally {
      await own.close();
    }
  });
});
