import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { readSse, type SseEvent } from '../helpers/read-sse.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { waitUntil } from '../helpers/wait-until.js';

const API = '/api/v0/processes';
type Body = Record<string, unknown>;

describe('process API extensions', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({ streamWindowBytes: 16 * 1024 * 1024, exitedStreamBytes: 16 * 1024 * 1024 });
  });
  after(async () => {
    await service.close();
  });

  async function start(body: Body, headers: Record<string, string> = {}): Promise<string> {
    const response = await service.post(`${API}/start`, body, headers);
    const json = (await response.json()) as Body;
    expect(response.status, JSON.stringify(json)).to.equal(200);
    return json.id as string;
  }
  const get = async (path: string): Promise<{ status: number; body: Body }> => {
    const response = await service.request(path);
    return { status: response.status, body: (await response.json()) as Body };
  };
  const post = async (path: string, body: unknown): Promise<{ status: number; body: Body }> => {
    const response = await service.post(path, body);
    return { status: response.status, body: (await response.json()) as Body };
  };
  const finished = async (id: string): Promise<Body> => (await get(`${API}/${id}/output?wait=true`)).body;

  describe('terminals', () => {
    it('runs on a PTY, resizes it, and takes answers to prompts as input', async () => {
      const id = await start({ command: 'stty size; printf "name? "; read name; stty size; echo "hi $name"', pty: { cols: 100, rows: 30 } });
      await waitUntil(async () => String((await get(`${API}/${id}/output`)).body.output).includes('name? '), 'the prompt');
      expect((await post(`${API}/${id}/resize`, { cols: 132, rows: 50 })).body).to.deep.equal({ cols: 132, rows: 50 });
      expect((await post(`${API}/${id}/input`, { text: 'ada\r' })).body).to.deep.equal({ bytes: 4, eof: false });
      const body = await finished(id);
      expect(body.output).to.match(/^30 100\r\nname\? ada\r\n50 132\r\nhi ada\r\n$/);
      expect(body.exit_code).to.equal(0);
    });

    it('passes Ctrl-C through input to the foreground job', async () => {
      const id = await start({ command: 'echo ready; sleep 40; echo after', pty: {} });
      await waitUntil(async () => String((await get(`${API}/${id}/output`)).body.output).includes('ready'), 'the start');
      // A Ctrl-C typed while the shell is between `echo` and `sleep` can be lost to that race
      // (as at a real terminal): type it again until the job ends.
      let body: Body = { running: true };
      for (let attempt = 0; attempt < 10 && body.running !== false; attempt += 1) {
        await post(`${API}/${id}/input`, { data: Buffer.from([3]).toString('base64') });
        body = (await get(`${API}/${id}/output?wait=exit&timeout_ms=1000`)).body;
      }
      expect(body.output).not.to.contain('after');
      expect(body).to.include({ exit_code: -1, exit_signal: 'SIGINT' });
    });

    it('refuses to resize a process without a terminal', async () => {
      const id = await start({ command: 'sleep 40' });
      const answer = await post(`${API}/${id}/resize`, { cols: 10, rows: 10 });
      expect(answer).to.deep.equal({ status: 409, body: { message: `Process "${id}" has no terminal.`, detail: 'Only processes started with "pty" can be resized.', code: 'NOT_A_TERMINAL' } });
      await post(`${API}/${id}/signal`, { signal: 'kill' });
    });
  });

  describe('input', () => {
    it('writes to a pipe stdin and closes it on eof', async () => {
      const id = await start({ command: 'sort; echo sorted', stdin: true });
      await post(`${API}/${id}/input`, { text: 'b\na\n' });
      expect((await post(`${API}/${id}/input`, { text: 'c\n', eof: true })).body).to.deep.equal({ bytes: 2, eof: true });
      expect((await finished(id)).output).to.equal('a\nb\nc\nsorted\n');
    });

    it('answers 409 when stdin was not opened, was closed, or the process exited', async () => {
      const closedStdin = await start({ command: 'sleep 40' });
      expect((await post(`${API}/${closedStdin}/input`, { text: 'x' })).body.code).to.equal('STDIN_NOT_OPEN');
      await post(`${API}/${closedStdin}/signal`, { signal: 'kill' });
      const open = await start({ command: 'cat >/dev/null; sleep 40', stdin: true });
      await post(`${API}/${open}/input`, { eof: true });
      expect(await post(`${API}/${open}/input`, { text: 'x' })).to.deep.include({ status: 409 });
      expect((await post(`${API}/${open}/input`, { text: 'x' })).body.code).to.equal('STDIN_CLOSED');
      await post(`${API}/${open}/signal`, { signal: 'kill' });
      await finished(open);
      expect((await post(`${API}/${open}/input`, { text: 'x' })).body.code).to.equal('PROCESS_NOT_RUNNING');
    });

    it('validates the input body', async () => {
      const id = await start({ command: 'cat', stdin: true });
      expect((await post(`${API}/${id}/input`, {})).body).to.include({ message: 'Input is empty.', code: 'INVALID_REQUEST' });
      expect((await post(`${API}/${id}/input`, { data: '***' })).body.code).to.equal('INVALID_REQUEST');
      expect((await post(`${API}/${id}/input`, { text: 'a', data: 'YQ==' })).body.message).to.equal('Send either "text" or "data", not both.');
      await post(`${API}/${id}/input`, { eof: true });
      await finished(id);
    });
  });

  describe('signals and lifetimes', () => {
    it('escalates terminate to kill after grace_ms for a process that ignores SIGTERM', async () => {
      const id = await start({ command: 'trap "" TERM; echo armed; while :; do sleep 0.05; done' });
      await waitUntil(async () => (await get(`${API}/${id}/output`)).body.output === 'armed\n', 'the trap');
      expect((await post(`${API}/${id}/signal`, { signal: 'terminate', grace_ms: 200 })).status).to.equal(200);
      expect(await finished(id)).to.include({ exit_code: -1, exit_signal: 'SIGKILL', exit_reason: 'requested' });
    });

    it('sends the added signals by name', async () => {
      const id = await start({ command: 'trap "echo got usr1; exit 5" USR1; echo armed; while :; do sleep 0.05; done' });
      await waitUntil(async () => (await get(`${API}/${id}/output`)).body.output === 'armed\n', 'the trap');
      await post(`${API}/${id}/signal`, { signal: 'user1' });
      const body = await finished(id);
      // The whole group gets it: the foreground `sleep` dies of it (the shell says so), then the trap runs.
      expect(body.output).to.match(/^armed\n(User defined signal 1\n)?got usr1\n$/);
      expect(body).to.include({ exit_code: 5, exit_reason: 'exited' });
    });

    it('refuses grace_ms with another signal, and lists the supported signals', async () => {
      const id = await start({ command: 'sleep 40' });
      expect((await post(`${API}/${id}/signal`, { signal: 'kill', grace_ms: 10 })).body.message).to.equal('"grace_ms" goes with "terminate" only.');
      expect((await post(`${API}/${id}/signal`, { signal: 'stop' })).body.detail).to.equal('Supported: kill, terminate, interrupt, hangup, quit, user1, user2.');
      await post(`${API}/${id}/signal`, { signal: 'kill' });
    });

    it('ends a process at its timeout_ms and says so', async () => {
      const id = await start({ command: 'sleep 40', timeout_ms: 100 });
      expect(await finished(id)).to.include({ exit_code: -1, exit_signal: 'SIGTERM', exit_reason: 'timeout' });
    });

    it('ends a silent process at its idle_timeout_ms, not a chatty one', async () => {
      const silent = await start({ command: 'sleep 40', idle_timeout_ms: 100 });
      const chatty = await start({ command: 'for i in 1 2 3 4 5 6; do echo $i; sleep 0.05; done', idle_timeout_ms: 250 });
      expect(await finished(silent)).to.include({ exit_reason: 'idle_timeout' });
      expect(await finished(chatty)).to.include({ exit_code: 0, exit_reason: 'exited' });
    });
  });

  describe('waits', () => {
    it('waits for a pattern and returns it with its offset and the next cursor', async () => {
      const id = await start({ command: 'echo booting; sleep 0.1; echo "server ready on :3000"; sleep 40' });
      const { body } = await get(`${API}/${id}/output?wait=match&pattern=${encodeURIComponent('ready on :(\\d+)')}`);
      expect(body).to.include({ running: true, wait_result: 'match' });
      expect(body.match).to.deep.equal({ text: 'ready on :3000', offset: 'booting\nserver '.length });
      expect(body.next_cursor).to.equal('booting\nserver ready on :3000\n'.length);
      await post(`${API}/${id}/signal`, { signal: 'kill' });
    });

    it('waits for output after a cursor and returns the delta', async () => {
      const id = await start({ command: 'echo one; sleep 0.2; echo two; sleep 40' });
      await waitUntil(async () => (await get(`${API}/${id}/output`)).body.output === 'one\n', 'the first line');
      const { body } = await get(`${API}/${id}/output?wait=output&cursor=4`);
      expect(body).to.include({ wait_result: 'output', next_cursor: 8 });
      expect(body.delta).to.deep.equal({ cursor: 4, text: 'two\n', gap_bytes: 0, has_more: false });
      await post(`${API}/${id}/signal`, { signal: 'kill' });
    });

    it('waits for quiet', async () => {
      const id = await start({ command: 'for i in 1 2 3; do echo $i; sleep 0.05; done; sleep 40' });
      const { body } = await get(`${API}/${id}/output?wait=quiet&quiet_ms=300`);
      expect(body).to.include({ wait_result: 'quiet', output: '1\n2\n3\n', running: true });
      await post(`${API}/${id}/signal`, { signal: 'kill' });
    });

    it('ends a wait at the client timeout_ms with 200 and wait_result timeout', async () => {
      const id = await start({ command: 'sleep 40' });
      const { status, body } = await get(`${API}/${id}/output?wait=match&pattern=never&timeout_ms=100`);
      expect(status).to.equal(200);
      expect(body).to.include({ running: true, wait_result: 'timeout', next_cursor: 0 });
      await post(`${API}/${id}/signal`, { signal: 'kill' });
    });

    it('ends any wait at the exit', async () => {
      const id = await start({ command: 'echo bye' });
      const { body } = await get(`${API}/${id}/output?wait=match&pattern=never`);
      expect(body).to.include({ running: false, wait_result: 'exited', exit_code: 0 });
    });

    it('rejects bad wait parameters', async () => {
      const id = await start({ command: 'true' });
      expect((await get(`${API}/${id}/output?wait=match`)).body).to.include({ message: 'Invalid query parameter.', detail: 'pattern: required with wait=match' });
      expect((await get(`${API}/${id}/output?wait=match&pattern=(`)).body.detail).to.match(/^pattern: error parsing regexp: .*\(patterns use RE2 syntax\)$/);
      expect((await get(`${API}/${id}/output?cursor=-1`)).status).to.equal(400);
    });
  });

  describe('idempotent start', () => {
    it('starts exactly one process for concurrent retries with one token', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'procvisor-token-'));
      const body = { command: `echo run >> ${dir}/runs; sleep 0.2`, client_token: 'tool-call-42' };
      const answers = await Promise.all(Array.from({ length: 8 }, () => service.post(`${API}/start`, body).then((r) => r.json() as Promise<Body>)));
      const ids = new Set(answers.map((a) => a.id));
      expect(ids.size).to.equal(1);
      expect(answers.filter((a) => a.started === true)).to.have.length(1);
      expect(answers.filter((a) => a.attached === true)).to.have.length(7);
      await finished([...ids][0] as string);
      expect(readFileSync(join(dir, 'runs'), 'utf8')).to.equal('run\n');
    });

    it('refuses the same token with a different command', async () => {
      await start({ command: 'true', client_token: 'tok-conflict' });
      const answer = await post(`${API}/start`, { command: 'false', client_token: 'tok-conflict' });
      expect(answer.status).to.equal(409);
      expect(answer.body).to.include({ message: 'Client token was already used to start a process with different parameters.', code: 'CLIENT_TOKEN_CONFLICT' });
    });
  });

  describe('priority', () => {
    it('gives children the reference OOM score and niceness', async () => {
      const own = Number(readFileSync('/proc/self/oom_score_adj', 'utf8'));
      // `sleep` first: niceness is set from the parent right after the spawn (see priority.ts).
      const id = await start({ command: 'cat /proc/self/oom_score_adj; sleep 0.1; nice' });
      const output = String((await finished(id)).output);
      const lines = output.trim().split('\n').map(Number);
      expect(service.sink.lines.filter((l) => l.msg === 'failed to set process priority'), output).to.deep.equal([]);
      expect(lines[0]).to.equal(own < 0 ? 0 : own >= 998 ? 1000 : 998);
      expect(lines[1]).to.equal(Math.min(19, (await import('node:os')).getPriority() + 5));
    });
  });

  describe('GET /{id}/stream', () => {
    function concat(events: SseEvent[]): Buffer {
      return Buffer.concat(events.filter((e) => e.event === 'output').map((e) => Buffer.from(String(e.data.data), 'base64')));
    }

    it('resumes after a forced disconnect with no duplicate and no loss, byte for byte (12 MB)', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'procvisor-stream-'));
      const file = join(dir, 'data');
      const bytes = Buffer.alloc(12_000_000);
      for (let i = 0; i < bytes.length; i += 1) bytes[i] = (i * 7919) % 251;
      writeFileSync(file, bytes);
      const id = await start({ command: `cat ${file}` });
      let received = 0;
      const first = await readSse(`${service.url}${API}/${id}/stream?encoding=base64`, {
        onEvent: (event) => {
          if (event.event === 'output') received += Number(event.data.bytes);
          return received < 3_000_000;
        },
      });
      const lastId = first.at(-1)?.id;
      expect(Number(lastId)).to.equal(received);
      const second = await readSse(`${service.url}${API}/${id}/stream?encoding=base64`, { headers: { 'Last-Event-ID': String(lastId) } });
      expect(second[0]?.data.offset).to.equal(received);
      expect(second.at(-1)).to.deep.include({ event: 'exit' });
      expect(second.at(-1)?.data).to.include({ exit_code: 0, next_cursor: 12_000_000 });
      expect([...first, ...second].filter((e) => e.event === 'gap')).to.deep.equal([]);
      const all = Buffer.concat([concat(first), concat(second)]);
      expect(all.length).to.equal(bytes.length);
      expect(createHash('sha256').update(all).digest('hex')).to.equal(createHash('sha256').update(bytes).digest('hex'));
      expect(service.supervisor.stats().streamReaders).to.equal(0);
    });

    it('streams text live and ends with the exit event', async () => {
      const id = await start({ command: 'echo one; sleep 0.1; echo two' });
      const events = await readSse(`${service.url}${API}/${id}/stream`);
      expect(events.filter((e) => e.event === 'output').map((e) => e.data.text).join('')).to.equal('one\ntwo\n');
      expect(events.at(-1)).to.deep.include({ event: 'exit', id: '8' });
    });

    it('answers 204 to a reader whose cursor is at the end of an exited process, so EventSource stops reconnecting', async () => {
      const id = await start({ command: 'echo one' });
      const events = await readSse(`${service.url}${API}/${id}/stream`);
      const exit = events.at(-1);
      expect(exit).to.deep.include({ event: 'exit', id: '4' });
      // An EventSource reconnects with the exit's id as Last-Event-ID, and the URL it was opened with.
      const reconnects: { headers: Record<string, string>; query?: string }[] = [
        { headers: { 'Last-Event-ID': '4' } },
        { headers: { 'Last-Event-ID': '4' }, query: '?cursor=0' },
        { headers: {}, query: '?cursor=4' },
      ];
      for (const init of reconnects) {
        const response = await service.request(`${API}/${id}/stream${init.query ?? ''}`, { headers: init.headers });
        expect(response.status, JSON.stringify(init)).to.equal(204);
        expect(await response.text()).to.equal('');
      }
      // A reader that has not seen everything still gets the rest and the exit.
      const rest = await readSse(`${service.url}${API}/${id}/stream`, { headers: { 'Last-Event-ID': '2' } });
      expect(rest.map((e) => e.event)).to.deep.equal(['output', 'exit']);
      expect(service.supervisor.stats().streamReaders).to.equal(0);
    });

    it('tells EventSource how soon to reconnect (a retry: line first)', async () => {
      const id = await start({ command: 'echo one' });
      const response = await service.request(`${API}/${id}/stream`);
      expect(await response.text()).to.match(/^retry: \d+\n\n/);
    });
  });
});

describe('stream gaps', () => {
  // Without the spill file (spillOutput: false) the window is all there is: a slow reader loses bytes.
  it('reports the bytes a slow reader lost when it fell behind the window, and never blocks the process', async () => {
    const service = await startTestService({ spillOutput: false, streamWindowBytes: 65_536, exitedStreamBytes: 65_536 });
    try {
      const start = await service.post(`${API}/start`, { command: 'head -c 30000000 /dev/zero' });
      const { id } = (await start.json()) as { id: string };
      let release!: () => void;
      const paused = new Promise<void>((resolve) => (release = resolve));
      const reading = readSse(`${service.url}${API}/${id}/stream?encoding=base64`, { pauseAfterHeaders: paused });
      // The process finishes while its only reader reads nothing: it is never held back.
      const exited = (await (await service.request(`${API}/${id}/output?wait=true`)).json()) as Body;
      expect(exited).to.include({ running: false, exit_code: 0 });
      release();
      const events = await reading;
      const gaps = events.filter((e) => e.event === 'gap');
      expect(gaps.length).to.be.greaterThan(0);
      const lost = gaps.reduce((n, e) => n + Number(e.data.lost_bytes), 0);
      const got = events.filter((e) => e.event === 'output').reduce((n, e) => n + Number(e.data.bytes), 0);
      expect(lost + got).to.equal(30_000_000);
      expect(events.at(-1)?.event).to.equal('exit');
    } finally {
      await service.close();
    }
  });
});

describe('late readers served from the spill file', () => {
  let service: TestService;
  // ~2.9 MB of distinct lines: far more than the stream window and the exited window.
  const command = 'seq 1 400000';
  const expected = Array.from({ length: 400_000 }, (_, i) => `${i + 1}\n`).join('');

  beforeEach(async () => {
    service = await startTestService({ streamWindowBytes: 65_536, exitedStreamBytes: 65_536 });
  });
  afterEach(async () => {
    await service.close();
  });

  const startExited = async (): Promise<string> => {
    const { id } = (await (await service.post(`${API}/start`, { command })).json()) as { id: string };
    const exited = (await (await service.request(`${API}/${id}/output?wait=true`)).json()) as Body;
    expect(exited).to.include({ running: false, exit_code: 0 });
    return id;
  };

  it('streams the whole output byte for byte to a reader that connects after the exit, with no gap', async () => {
    const id = await startExited();
    const events = await readSse(`${service.url}${API}/${id}/stream?encoding=base64`);
    expect(events.filter((e) => e.event === 'gap')).to.deep.equal([]);
    const outputs = events.filter((e) => e.event === 'output');
    const bytes = Buffer.concat(outputs.map((e) => Buffer.from(String(e.data.data), 'base64')));
    expect(bytes.equals(Buffer.from(expected))).to.equal(true);
    expect(outputs[0]?.data.offset).to.equal(0);
    expect(events.at(-1)).to.deep.include({ event: 'exit' });
    expect(events.at(-1)?.data.next_cursor).to.equal(expected.length);
  });

  it('gives a slow reader that fell behind while the process ran every byte, no gap', async () => {
    const { id } = (await (await service.post(`${API}/start`, { command })).json()) as { id: string };
    let release!: () => void;
    const paused = new Promise<void>((resolve) => (release = resolve));
    const reading = readSse(`${service.url}${API}/${id}/stream?encoding=base64`, { pauseAfterHeaders: paused });
    await service.request(`${API}/${id}/output?wait=true`);
    release();
    const events = await reading;
    expect(events.filter((e) => e.event === 'gap')).to.deep.equal([]);
    const bytes = Buffer.concat(events.filter((e) => e.event === 'output').map((e) => Buffer.from(String(e.data.data), 'base64')));
    expect(bytes.equals(Buffer.from(expected))).to.equal(true);
  });

  it('answers cursor reads (delta) after the exit from anywhere in the output, exactly', async () => {
    const id = await startExited();
    let cursor = 0;
    let text = '';
    for (;;) {
      const body = (await (await service.request(`${API}/${id}/output?cursor=${cursor}&limit=65536`)).json()) as { delta: { cursor: number; text: string; gap_bytes: number; has_more: boolean }; next_cursor: number };
      expect(body.delta).to.include({ cursor, gap_bytes: 0 });
      text += body.delta.text;
      cursor = body.next_cursor;
      if (!body.delta.has_more) break;
    }
    expect(text).to.equal(expected);
  });
});
