import { expect } from 'chai';
import { sampleValue } from '../helpers/prometheus-text.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { waitUntil } from '../helpers/wait-until.js';

const P = '/api/v0/processes';

describe('service metrics (GET /metrics)', () => {
  let service: TestService;
  beforeEach(async () => {
    service = await startTestService();
  });
  afterEach(async () => {
    await service.close();
  });

  async function scrape(): Promise<string> {
    const response = await service.request('/metrics');
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.equal('text/plain; version=0.0.4; charset=utf-8');
    return response.text();
  }

  async function start(command: string): Promise<string> {
    const response = await service.post(`${P}/start`, { command });
    expect(response.status).to.equal(200);
    return ((await response.json()) as { id: string }).id;
  }

  async function waitExit(id: string): Promise<void> {
    const response = await service.request(`${P}/${id}/output?wait=true`);
    expect(((await response.json()) as { running: boolean }).running).to.equal(false);
  }

  it('counts 3 started, 1 killed and 2 exited normally, their output bytes and spawn latencies', async () => {
    const sleeper = await start('sleep 30');
    const first = await start('printf abc');
    const second = await start('printf hello; exit 4');
    await waitExit(first);
    await waitExit(second);
    let text = await scrape();
    expect(sampleValue(text, 'procvisor_processes_started_total')).to.equal(3);
    expect(sampleValue(text, 'procvisor_processes_running')).to.equal(1);

    // A blocking wait shows as a waiter until the kill releases it.
    const waiting = service.request(`${P}/${sleeper}/output?wait=true`);
    await waitUntil(async () => sampleValue(await scrape(), 'procvisor_blocking_waiters') === 1, 'the wait to be registered');
    expect((await service.post(`${P}/${sleeper}/signal`, { signal: 'kill' })).status).to.equal(200);
    expect(((await (await waiting).json()) as { exit_reason: string }).exit_reason).to.equal('requested');

    text = await scrape();
    expect(sampleValue(text, 'procvisor_processes_started_total')).to.equal(3);
    expect(sampleValue(text, 'procvisor_processes_running')).to.equal(0);
    expect(sampleValue(text, 'procvisor_blocking_waiters')).to.equal(0);
    expect(sampleValue(text, 'procvisor_processes_exited_total', { reason: 'exited' })).to.equal(2);
    expect(sampleValue(text, 'procvisor_processes_exited_total', { reason: 'requested' })).to.equal(1);
    for (const reason of ['signaled', 'shutdown', 'spawn_failed', 'drain_cutoff', 'internal_error']) expect(sampleValue(text, 'procvisor_processes_exited_total', { reason }), reason).to.equal(0);
    expect(sampleValue(text, 'procvisor_output_bytes_total')).to.equal('abc'.length + 'hello'.length);
    expect(sampleValue(text, 'procvisor_spawn_duration_seconds_count')).to.equal(3);
    const spawnSeconds = sampleValue(text, 'procvisor_spawn_duration_seconds_sum') ?? 0;
    expect(spawnSeconds).to.be.greaterThan(0).and.lessThan(10);
    expect(sampleValue(text, 'procvisor_stream_readers')).to.equal(0);
  });

  it('counts a failed start as exited with reason spawn_failed, not as started', async () => {
    const before = await scrape();
    const startedBefore = sampleValue(before, 'procvisor_processes_started_total') ?? 0;
    const failedBefore = sampleValue(before, 'procvisor_processes_exited_total', { reason: 'spawn_failed' }) ?? 0;
    expect((await service.post(`${P}/start`, { command: 'true', workdir: '/no/such/dir' })).status).to.equal(500);
    const after = await scrape();
    expect(sampleValue(after, 'procvisor_processes_exited_total', { reason: 'spawn_failed' })).to.equal(failedBefore + 1);
    expect(sampleValue(after, 'procvisor_processes_started_total')).to.equal(startedBefore);
  });

  it('counts the output of a running process at each scrape, and not again when it exits', async () => {
    const id = await start('printf 1234; sleep 30');
    await waitUntil(async () => sampleValue(await scrape(), 'procvisor_output_bytes_total') === 4, 'the running output to be counted');
    expect((await service.post(`${P}/${id}/signal`, { signal: 'terminate' })).status).to.equal(200);
    await waitExit(id);
    expect(sampleValue(await scrape(), 'procvisor_output_bytes_total')).to.equal(4);
  });

  it('labels HTTP requests by route template, not raw path, with their status', async () => {
    const id = await start('true');
    await waitExit(id);
    await (await service.request(`${P}/${id}/output`)).text();
    await (await service.request(`${P}/another-id/output`)).text();
    await (await service.request('/some/random/path/123')).text();
    await (await service.request(`${P}/list`, { method: 'DELETE' })).text();
    const text = await scrape();
    const output = '/api/v0/processes/:id/output';
    expect(sampleValue(text, 'procvisor_http_requests_total', { method: 'POST', route: '/api/v0/processes/start', status: '200' })).to.equal(1);
    expect(sampleValue(text, 'procvisor_http_requests_total', { method: 'GET', route: output, status: '200' })).to.equal(2);
    expect(sampleValue(text, 'procvisor_http_requests_total', { method: 'GET', route: output, status: '404' })).to.equal(1);
    expect(sampleValue(text, 'procvisor_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).to.equal(1);
    expect(sampleValue(text, 'procvisor_http_requests_total', { method: 'DELETE', route: '/api/v0/processes/list', status: '405' })).to.equal(1);
    expect(sampleValue(text, 'procvisor_http_request_duration_seconds_count', { method: 'GET', route: output })).to.equal(3);
    expect(text).to.not.include(id);
    expect(text).to.not.include('another-id');
  });

  it('labels a request refused for its token by the route it asked for', async () => {
    const guarded = await startTestService({ authToken: 'metrics-token-0123456789' });
    try {
      await (await guarded.request(`${P}/list`)).text();
      const response = await guarded.request('/metrics', { headers: { authorization: 'Bearer metrics-token-0123456789' } });
      const text = await response.text();
      expect(sampleValue(text, 'procvisor_http_requests_total', { method: 'GET', route: '/api/v0/processes/list', status: '401' })).to.equal(1);
    } finally {
      await guarded.close();
    }
  });

  it('reads the stream readers gauge from the hook the stream feature sets', async () => {
    service.metrics.setStreamReaderSource(() => 2);
    expect(sampleValue(await scrape(), 'procvisor_stream_readers')).to.equal(2);
  });

  it('includes the Node process metrics, once', async () => {
    const text = await scrape();
    expect(sampleValue(text, 'process_cpu_user_seconds_total')).to.be.a('number');
    expect(sampleValue(text, 'nodejs_heap_size_used_bytes')).to.be.greaterThan(0);
    expect(text.match(/^# TYPE process_cpu_user_seconds_total /gm)).to.have.length(1);
  });
});
