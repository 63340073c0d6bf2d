import { request as httpRequest } from 'node:http';
import { expect } from 'chai';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { waitUntil } from '../helpers/wait-until.js';
import { pgrepOwn } from '../helpers/own-processes.js';

interface StartResponse { id: string; started: boolean }
interface OutputResponse {
  output: string;
  running: boolean;
  exit_code?: number;
  exit_reason?: string;
  exit_signal?: string;
  truncated?: { original_bytes: number; retained_bytes: number; omitted_bytes: number; strategy: string };
}
interface ListResponse { processes: Record<string, unknown>[] }

/** Checks an exited body's `duration_ms` and returns the body without it. */
function withoutDuration(body: OutputResponse & { duration_ms?: number }): OutputResponse {
  if (body.running) {
    expect(body).not.to.have.property('duration_ms');
    return body;
  }
  const { duration_ms: duration, ...rest } = body;
  expect(duration).to.be.a('number').at.least(0);
  return rest;
}

const CHAT_A = '11111111-1111-4111-8111-111111111111';
const CHAT_B = '22222222-2222-4222-8222-222222222222';
const PARENT = '33333333-3333-4333-8333-333333333333';
const API = '/api/v0/processes';

/** Only processes this spec run started (see own-processes.ts): other suites may run at the same time. */
const pgrep = pgrepOwn;

describe('process routes', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({ maxBodyBytes: 4096 });
  });
  after(async () => {
    await service.close();
  });

  async function start(command: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<string> {
    const response = await service.post(`${API}/start`, { command, ...extra }, headers);
    expect(response.status).to.equal(200);
    const body = (await response.json()) as StartResponse;
    expect(body.started).to.equal(true);
    return body.id;
  }

  async function output(id: string, query = '', headers: Record<string, string> = {}): Promise<{ status: number; body: OutputResponse }> {
    const response = await service.request(`${API}/${id}/output${query}`, { headers });
    return { status: response.status, body: (await response.json()) as OutputResponse };
  }

  /** Waits for the exit; checks `duration_ms` and leaves it out, so bodies compare exactly. */
  async function waitOutput(id: string, headers: Record<string, string> = {}): Promise<OutputResponse> {
    const { status, body } = await output(id, '?wait=true', headers);
    expect(status).to.equal(200);
    return withoutDuration(body);
  }

  async function expectError(response: Response, status: number, message: string, code: string, detail?: RegExp | string): Promise<void> {
    expect(response.status).to.equal(status);
    expect(response.headers.get('content-type')).to.equal('application/json; charset=utf-8');
    const body = (await response.json()) as { message: string; detail?: string; code: string };
    expect(body.message).to.equal(message);
    expect(body.code).to.equal(code);
    if (detail instanceof RegExp) expect(body.detail).to.match(detail);
    else if (detail !== undefined) expect(body.detail).to.equal(detail);
  }

  describe('POST /start', () => {
    it('runs a command and returns its output and exit code after a blocking wait', async () => {
      const id = await start('echo out; echo err >&2; exit 3');
      expect(id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(await waitOutput(id)).to.deep.equal({ output: 'out\nerr\n', running: false, exit_code: 3, exit_reason: 'exited' });
    });

    it('rejects malformed JSON with the reference message and the parser detail', async () => {
      await expectError(await service.post(`${API}/start`, '{"command":'), 400, 'Request body must be valid JSON.', 'INVALID_JSON', /JSON/);
    });

    it('rejects an empty body', async () => {
      await expectError(await service.post(`${API}/start`, ''), 400, 'Request body must be valid JSON.', 'INVALID_JSON', /empty/);
    });

    it('rejects a field of the wrong type, naming the field', async () => {
      await expectError(await service.post(`${API}/start`, { command: 42 }), 400, 'Request body must be valid JSON.', 'INVALID_REQUEST', /^command: /);
      await expectError(await service.post(`${API}/start`, { command: 'x', env: { A: 1 } }), 400, 'Request body must be valid JSON.', 'INVALID_REQUEST', /env/);
      await expectError(await service.post(`${API}/start`, '[]'), 400, 'Request body must be valid JSON.', 'INVALID_REQUEST');
    });

    it('refuses an array where an object is expected, naming the field, and runs nothing', async () => {
      await expectError(await service.post(`${API}/start`, { command: 'stty size', pty: ['x'] }), 400, 'Request body must be valid JSON.', 'INVALID_REQUEST', /^pty: .*Array/);
      await expectError(await service.post(`${API}/start`, { command: 'true', env: ['x'] }), 400, 'Request body must be valid JSON.', 'INVALID_REQUEST', /^env: .*Array/);
    });

    it('requires a command', async () => {
      await expectError(await service.post(`${API}/start`, {}), 400, 'Command is required.', 'INVALID_REQUEST');
      await expectError(await service.post(`${API}/start`, { command: '' }), 400, 'Command is required.', 'INVALID_REQUEST');
      await expectError(await service.post(`${API}/start`, 'null'), 400, 'Command is required.', 'INVALID_REQUEST');
    });

    it('rejects an environment name the OS cannot take', async () => {
      await expectError(await service.post(`${API}/start`, { command: 'true', env: { 'A=B': 'x' } }), 400, 'Invalid environment variable name "A=B".', 'INVALID_REQUEST');
    });

    it('rejects a body over the size limit with 413', async () => {
      await expectError(await service.post(`${API}/start`, { command: 'x'.repeat(5000) }), 413, 'Request body is larger than 4096 bytes.', 'BODY_TOO_LARGE');
    });

    it('ignores unknown fields', async () => {
      const id = await start('echo ok', { shiny: true });
      expect((await waitOutput(id)).output).to.equal('ok\n');
    });

    it('answers 500 with the OS reason when the working directory does not exist', async () => {
      await expectError(
        await service.post(`${API}/start`, { command: 'true', workdir: '/no/such/dir' }),
        500,
        'Failed to start process.',
        'SPAWN_FAILED',
        'start process: chdir /no/such/dir: no such file or directory',
      );
    });

    it('passes the request env and sets CODER_CHAT_ID for a chat, last', async () => {
      const id = await start('echo "$GREETING $CODER_CHAT_ID"', { env: { GREETING: 'hi', CODER_CHAT_ID: 'spoof' } }, { 'Coder-Chat-Id': CHAT_A });
      expect((await waitOutput(id, { 'Coder-Chat-Id': CHAT_A })).output).to.equal(`hi ${CHAT_A}\n`);
    });
  });

  describe('GET /list', () => {
    it('reports the reference fields, with exit_code 0 present and the resolved workdir', async () => {
      const id = await start('true', { workdir: '/tmp', background: true }, { 'Coder-Chat-Id': PARENT });
      await waitOutput(id);
      const response = await service.request(`${API}/list`, { headers: { 'Coder-Chat-Id': PARENT } });
      const body = (await response.json()) as ListResponse;
      expect(body.processes).to.have.length(1);
      const entry = body.processes[0]!;
      expect(Object.keys(entry)).to.deep.equal(['id', 'command', 'workdir', 'background', 'running', 'exit_code', 'exit_reason', 'duration_ms', 'started_at_unix', 'exited_at_unix']);
      expect(entry).to.include({ id, command: 'true', workdir: '/tmp', background: true, running: false, exit_code: 0 });
      expect(entry.started_at_unix).to.be.a('number').within(Date.now() / 1000 - 60, Date.now() / 1000 + 1);
    });

    it('is an empty array, never null, when nothing matches', async () => {
      const response = await service.request(`${API}/list`, { headers: { 'Coder-Chat-Id': '44444444-4444-4444-8444-444444444444' } });
      expect(await response.text()).to.equal('{"processes":[]}\n');
    });

    it('lists running processes first with no exit_code', async () => {
      const id = await start('sleep 30', {}, { 'Coder-Chat-Id': CHAT_B });
      const body = (await (await service.request(`${API}/list`, { headers: { 'Coder-Chat-Id': CHAT_B } })).json()) as ListResponse;
      expect(body.processes[0]).to.include({ id, running: true });
      expect(body.processes[0]).not.to.have.property('exit_code');
      await service.post(`${API}/${id}/signal`, { signal: 'kill' });
      await waitOutput(id);
    });
  });

  describe('GET /{id}/output', () => {
    it('answers 404 with the quoted id for an unknown process', async () => {
      await expectError(await service.request(`${API}/nope/output`), 404, 'Process "nope" not found.', 'PROCESS_NOT_FOUND');
    });

    it('returns a snapshot without waiting unless wait is exactly "true"', async () => {
      const id = await start('echo first; sleep 30');
      await waitUntil(async () => (await output(id)).body.output === 'first\n', 'the first line');
      for (const query of ['', '?wait=TRUE', '?wait=1']) {
        const { body } = await output(id, query);
        expect(body).to.deep.equal({ output: 'first\n', running: true });
      }
      await service.post(`${API}/${id}/signal`, { signal: 'kill' });
      const final = await waitOutput(id);
      expect(final).to.deep.equal({ output: 'first\n', running: false, exit_code: -1, exit_signal: 'SIGKILL', exit_reason: 'requested' });
    });

    it('keeps 10+ MB of output bounded, with the truncation metadata', async () => {
      const id = await start('head -c 12000000 /dev/zero | tr "\\0" a');
      const body = await waitOutput(id);
      expect(body.truncated).to.deep.equal({ original_bytes: 12_000_000, retained_bytes: body.truncated?.retained_bytes, omitted_bytes: 12_000_000 - 32_768, strategy: 'head_tail' });
      expect(body.output).to.contain('... [omitted 11967232 bytes] ...');
      expect(Buffer.byteLength(body.output)).to.equal(body.truncated?.retained_bytes);
    });

    it('escapes <, > and & as the reference encoder does', async () => {
      const id = await start('echo "<a> & b"');
      await waitOutput(id);
      const text = await (await service.request(`${API}/${id}/output`)).text();
      expect(text).to.contain('\\u003ca\\u003e \\u0026 b');
    });

    it('wakes many concurrent waiters with the same final answer', async () => {
      const id = await start('sleep 0.2; echo done');
      const bodies = await Promise.all(Array.from({ length: 50 }, () => waitOutput(id)));
      for (const body of bodies) expect(body).to.deep.equal({ output: 'done\n', running: false, exit_code: 0, exit_reason: 'exited' });
    });

    it('releases the waiter when the client goes away', async () => {
      const id = await start('sleep 30');
      const url = new URL(`${service.url}${API}/${id}/output?wait=true`);
      const req = httpRequest(url);
      req.on('error', () => undefined); // the abort below surfaces as a socket error
      req.end();
      await waitUntil(() => service.supervisor.stats().waiters === 1, 'the waiter to register');
      req.destroy();
      await waitUntil(() => service.supervisor.stats().waiters === 0, 'the waiter to be released');
      await service.post(`${API}/${id}/signal`, { signal: 'kill' });
    });

    it('reports -1 after the drain cut-off when a grandchild holds the pipe', async () => {
      const local = await startTestService({ drainTimeoutMs: 200 });
      try {
        const response = await local.post(`${API}/start`, { command: 'sleep 31 & echo hi' });
        const { id } = (await response.json()) as StartResponse;
        const body = withoutDuration((await (await local.request(`${API}/${id}/output?wait=true`)).json()) as OutputResponse);
        expect(body).to.deep.equal({ output: 'hi\n', running: false, exit_code: -1, exit_reason: 'drain_cutoff' });
      } finally {
        await local.close();
      }
      expect(pgrep('^sleep 31$')).to.equal('');
    });
  });

  describe('POST /{id}/signal', () => {
    it('terminates the whole group and answers with the reference message', async () => {
      const id = await start('sleep 32 | cat');
      const response = await service.post(`${API}/${id}/signal`, { signal: 'terminate' });
      expect(response.status).to.equal(200);
      expect(await response.json()).to.deep.equal({ message: `Signal "terminate" sent to process "${id}".` });
      expect(await waitOutput(id)).to.include({ running: false, exit_code: -1, exit_signal: 'SIGTERM' });
      await waitUntil(() => pgrep('^sleep 32$') === '', 'the pipeline to die');
    });

    it('validates the body in the reference order', async () => {
      const id = await start('sleep 30');
      await expectError(await service.post(`${API}/${id}/signal`, 'nope'), 400, 'Request body must be valid JSON.', 'INVALID_JSON');
      await expectError(await service.post(`${API}/${id}/signal`, {}), 400, 'Signal is required.', 'INVALID_REQUEST');
      await expectError(await service.post(`${API}/${id}/signal`, { signal: 'SIGFOO' }), 400, 'Unsupported signal "SIGFOO". Use "kill" or "terminate".', 'UNSUPPORTED_SIGNAL');
      await expectError(await service.post(`${API}/${id}/signal`, { signal: 'KILL' }), 400, 'Unsupported signal "KILL". Use "kill" or "terminate".', 'UNSUPPORTED_SIGNAL');
      await expectError(await service.post(`${API}/missing/signal`, { signal: 'kill' }), 404, 'Process "missing" not found.', 'PROCESS_NOT_FOUND');
      await service.post(`${API}/${id}/signal`, { signal: 'kill' });
      await waitOutput(id);
      await expectError(await service.post(`${API}/${id}/signal`, { signal: 'kill' }), 409, `Process "${id}" is not running.`, 'PROCESS_NOT_RUNNING');
    });
  });

  describe('chat isolation', () => {
    it('hides another chat\'s process from output and signal (checked before the body), but not untagged ones', async () => {
      const a = await start('sleep 30', {}, { 'Coder-Chat-Id': CHAT_A });
      const untagged = await start('echo free');
      const asB = { 'Coder-Chat-Id': CHAT_B };
      await expectError(await service.request(`${API}/${a}/output`, { headers: asB }), 404, `Process "${a}" not found.`, 'PROCESS_NOT_FOUND');
      await expectError(await service.post(`${API}/${a}/signal`, 'not json', asB), 404, `Process "${a}" not found.`, 'PROCESS_NOT_FOUND');
      expect((await waitOutput(untagged, asB)).output).to.equal('free\n');
      const listB = (await (await service.request(`${API}/list`, { headers: asB })).json()) as ListResponse;
      expect(listB.processes.map((p) => p.id)).not.to.include(untagged);
      const all = (await (await service.request(`${API}/list`)).json()) as ListResponse;
      expect(all.processes.map((p) => p.id)).to.include(a);
      expect((await service.post(`${API}/${a}/signal`, { signal: 'kill' })).status).to.equal(200);
      await waitOutput(a);
    });

    it('rejects a malformed chat id with 400 and accepts the other UUID forms', async () => {
      await expectError(await service.request(`${API}/list`, { headers: { 'Coder-Chat-Id': 'not-a-uuid' } }), 400, 'Invalid Coder-Chat-Id header.', 'INVALID_CHAT_ID');
      const braces = `{${CHAT_A.toUpperCase()}}`;
      expect((await service.request(`${API}/list`, { headers: { 'Coder-Chat-Id': braces } })).status).to.equal(200);
    });

    it('logs chat_id and ancestor_chat_ids on the access log line', async () => {
      await service.request(`${API}/list`, { headers: { 'Coder-Chat-Id': CHAT_A, 'Coder-Ancestor-Chat-Ids': JSON.stringify([PARENT, 'junk']) } });
      const line = service.sink.lines.filter((l) => l.msg === 'request' && l.chat_id === CHAT_A).at(-1);
      expect(line).to.include({ method: 'GET', path: `${API}/list`, status: 200 });
      expect(line?.ancestor_chat_ids).to.deep.equal([PARENT]);
    });
  });

  describe('other routes', () => {
    it('answers an unknown path with a JSON 404', async () => {
      await expectError(await service.request('/nope'), 404, 'No route for GET /nope.', 'ROUTE_NOT_FOUND');
    });

    it('answers a wrong method with 405 and the Allow header', async () => {
      const response = await service.request(`${API}/list`, { method: 'DELETE' });
      expect(response.headers.get('allow')).to.contain('GET');
      await expectError(response, 405, `Method DELETE is not allowed for ${API}/list.`, 'METHOD_NOT_ALLOWED', 'Allowed: HEAD, GET.');
    });

    it('answers a wrong method on either process router with its own Allow list', async () => {
      // GET /{id}/output has a router of its own; the other routes share one.
      await expectError(await service.request(`${API}/abc/output`, { method: 'POST' }), 405, `Method POST is not allowed for ${API}/abc/output.`, 'METHOD_NOT_ALLOWED', 'Allowed: HEAD, GET.');
      await expectError(await service.request(`${API}/abc/signal`, { method: 'GET' }), 405, `Method GET is not allowed for ${API}/abc/signal.`, 'METHOD_NOT_ALLOWED', 'Allowed: POST.');
    });
  });
});

describe('blocking wait cap', () => {
  it('answers 200 with running: true when the server cap passes', async () => {
    const service = await startTestService({ maxWaitMs: 150 });
    try {
      const { id } = (await (await service.post(`${API}/start`, { command: 'sleep 30' })).json()) as StartResponse;
      const body = (await (await service.request(`${API}/${id}/output?wait=true`)).json()) as OutputResponse;
      expect(body).to.deep.equal({ output: '', running: true });
      expect(service.supervisor.stats().waiters).to.equal(0);
    } finally {
      await service.close();
    }
  });
});

describe('service shutdown', () => {
  it('releases waiters, kills every process group (grandchildren too), and refuses new starts', async () => {
    const service = await startTestService();
    const { id } = (await (await service.post(`${API}/start`, { command: 'trap "" TERM; sleep 33 & sleep 34' })).json()) as StartResponse;
    const detached = (await (await service.post(`${API}/start`, { command: 'sleep 35 > /dev/null 2>&1 &' })).json()) as StartResponse;
    const waiting = service.request(`${API}/${id}/output?wait=true`);
    await waitUntil(() => pgrep('^sleep 33$') !== '' && pgrep('^sleep 35$') !== '', 'the sleeps to start');
    await waitUntil(() => service.supervisor.get(detached.id).running === false, 'the detached shell to exit');
    await service.close();
    const body = (await (await waiting).json()) as OutputResponse;
    expect(body).to.include({ running: false, exit_code: -1, exit_reason: 'shutdown' });
    expect(pgrep('^sleep 3[345]$')).to.equal('');
    const error = await service.supervisor.start({ command: 'true' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect((error as { code?: string } | null)?.code).to.equal('SUPERVISOR_CLOSED');
  });
});
