import { expect } from 'chai';
import { readSse, type SseEvent } from '../helpers/read-sse.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { waitUntil } from '../helpers/wait-until.js';

const API = '/api/v0/processes';
const CHAT_A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const CHAT_B = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';

interface Output {
  output: string;
  running: boolean;
  wait_result?: string;
  waiting_for_input?: { since_ms: number; prompt: string };
  listening_ports?: number[];
  http_status?: number;
  exit_code?: number;
}
interface Info {
  id: string;
  running: boolean;
  waiting_for_input?: { since_ms: number; prompt: string };
  listening_ports?: number[];
}

describe('process watch over HTTP (input waits, ports, events)', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({ inputSettleMs: 200, portScanMs: 100 });
  });
  after(async () => {
    await service.close();
  });

  async function start(command: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<string> {
    const response = await service.post(`${API}/start`, { command, ...extra }, headers);
    expect(response.status).to.equal(200);
    return ((await response.json()) as { id: string }).id;
  }
  async function output(id: string, query = ''): Promise<Output> {
    const response = await service.request(`${API}/${id}/output${query}`);
    expect(response.status, await response.clone().text()).to.equal(200);
    return (await response.json()) as Output;
  }
  async function list(headers: Record<string, string> = {}): Promise<Info[]> {
    return ((await (await service.request(`${API}/list`, { headers })).json()) as { processes: Info[] }).processes;
  }
  const send = (id: string, text: string): Promise<Response> => service.post(`${API}/${id}/input`, { text });

  describe('wait=input and waiting_for_input', () => {
    it('ends when sh `read` waits, with the prompt; the answer clears it and the process goes on', async () => {
      const id = await start('printf "Your name? "; read name; echo "hello $name"', { stdin: true });
      const waited = await output(id, '?wait=input&timeout_ms=10000');
      expect(waited.wait_result).to.equal('input');
      expect(waited.running).to.equal(true);
      expect(waited.waiting_for_input?.prompt).to.equal('Your name? ');
      expect(waited.waiting_for_input?.since_ms).to.be.at.least(0);
      const entry = (await list()).find((process) => process.id === id);
      expect(entry?.waiting_for_input?.prompt).to.equal('Your name? ');
      expect((await send(id, 'ada\n')).status).to.equal(200);
      const done = await output(id, '?wait=true');
      expect(done.output).to.equal('Your name? hello ada\n');
      expect(done).to.not.have.property('waiting_for_input');
    });

    it('ends for Python input(), and again for the next question after the first answer', async () => {
      const id = await start(`python3 -c "a = input('First? '); b = input('Second? '); print(a + b)"`, { stdin: true });
      expect((await output(id, '?wait=input&timeout_ms=10000')).waiting_for_input?.prompt).to.equal('First? ');
      await send(id, 'x\n');
      const second = await output(id, '?wait=input&timeout_ms=10000');
      expect(second.wait_result).to.equal('input');
      // Input on a pipe is not echoed: the last line holds both questions.
      expect(second.waiting_for_input?.prompt).to.equal('First? Second? ');
      await send(id, 'y\n');
      expect((await output(id, '?wait=true')).output).to.contain('xy');
    });

    it('ends for a password prompt on a terminal (stty -echo), with the prompt and no escapes', async () => {
      const id = await start('stty -echo; printf "\\033[1mPassword:\\033[0m "; read pw; stty echo; echo; echo "got ${#pw}"', { pty: { cols: 80, rows: 24 } });
      const waited = await output(id, '?wait=input&timeout_ms=10000');
      expect(waited.wait_result).to.equal('input');
      expect(waited.waiting_for_input?.prompt).to.equal('Password: ');
      await send(id, 'hunter2\r');
      const done = await output(id, '?wait=true');
      expect(done.output).to.contain('got 7').and.not.contain('hunter2');
    });

    it('does not end for a quiet process that does not read its stdin, nor list it as waiting', async () => {
      const id = await start('echo working; sleep 30', { stdin: true });
      const waited = await output(id, '?wait=input&timeout_ms=1200');
      expect(waited.wait_result).to.equal('timeout');
      expect(waited).to.not.have.property('waiting_for_input');
      expect((await list()).find((process) => process.id === id)).to.not.have.property('waiting_for_input');
      await service.post(`${API}/${id}/signal`, { signal: 'kill' });
    });

    it('refuses wait=input for a process started without stdin (409 STDIN_NOT_OPEN), and ends on the exit', async () => {
      const sleeper = await start('sleep 30');
      const refused = await service.request(`${API}/${sleeper}/output?wait=input`);
      expect(refused.status).to.equal(409);
      expect(((await refused.json()) as { code: string }).code).to.equal('STDIN_NOT_OPEN');
      await service.post(`${API}/${sleeper}/signal`, { signal: 'kill' });
      const quick = await start('exit 0', { stdin: true });
      expect((await output(quick, '?wait=input&timeout_ms=10000')).wait_result).to.equal('exited');
    });
  });

  describe('wait=port, wait=http and listening_ports', () => {
    it('ends when a real server listens, lists its port, and probes it over HTTP', async () => {
      const id = await start('exec python3 -m http.server 0 --bind 127.0.0.1');
      const waited = await output(id, '?wait=port&timeout_ms=10000');
      expect(waited.wait_result).to.equal('port');
      const [port] = waited.listening_ports ?? [];
      expect(port).to.be.a('number');
      expect((await list()).find((process) => process.id === id)?.listening_ports).to.deep.equal([port]);
      const samePort = await output(id, `?wait=port&port=${port}&timeout_ms=1000`);
      expect(samePort.wait_result).to.equal('port');
      const ready = await output(id, `?wait=http&port=${port}&path=/&status=200-399&timeout_ms=10000`);
      expect(ready.wait_result).to.equal('http');
      expect(ready.http_status).to.equal(200);
      const missing = await output(id, `?wait=http&port=${port}&path=/no-such-file&status=200&timeout_ms=700`);
      expect(missing.wait_result).to.equal('timeout');
      await service.post(`${API}/${id}/signal`, { signal: 'terminate' });
      await output(id, '?wait=true');
      expect((await list()).find((process) => process.id === id)).to.not.have.property('listening_ports');
    });

    it('waits for the one port asked for, not another the group listens on', async () => {
      const id = await start('exec python3 -m http.server 0 --bind 127.0.0.1');
      const [port] = (await output(id, '?wait=port&timeout_ms=10000')).listening_ports ?? [];
      const other = port === 65_535 ? 65_534 : (port ?? 0) + 1;
      expect((await output(id, `?wait=port&port=${other}&timeout_ms=500`)).wait_result).to.equal('timeout');
      await service.post(`${API}/${id}/signal`, { signal: 'kill' });
    });

    it('checks the new query parameters at the edge (400 INVALID_REQUEST naming the parameter)', async () => {
      const id = await start('true');
      for (const [query, named] of [
        ['?wait=http', 'port'],
        ['?wait=port&port=0', 'port'],
        ['?wait=port&port=70000', 'port'],
        ['?wait=http&port=80&path=nope', 'path'],
        ['?wait=http&port=80&status=399-200', 'status'],
        ['?wait=http&port=80&status=abc', 'status'],
      ] as const) {
        const response = await service.request(`${API}/${id}/output${query}`);
        expect(response.status, query).to.equal(400);
        const body = (await response.json()) as { code: string; detail: string };
        expect(body.code).to.equal('INVALID_REQUEST');
        expect(body.detail, query).to.match(new RegExp(`^${named}`));
      }
    });
  });

  describe('GET /events', () => {
    it('sends started, waiting_for_input, listening and exited events, with the exit and the last lines', async () => {
      const events: SseEvent[] = [];
      let promptId = '';
      let serverId = '';
      // From the start of the history: nothing can be missed; other tests' events are filtered out.
      const reading = readSse(`${service.url}${API}/events?after=0`, {
        onEvent: (event) => {
          events.push(event);
          const exits = events.filter((e) => e.event === 'exited').map((e) => e.data.id);
          return !(exits.includes(promptId) && exits.includes(serverId));
        },
      });
      promptId = await start('echo line one; printf "Proceed? [y/N] "; read answer; echo "answer $answer"; exit 3', { stdin: true });
      serverId = await start('exec python3 -m http.server 0 --bind 127.0.0.1');
      await waitUntil(() => events.some((e) => e.event === 'waiting_for_input' && e.data.id === promptId), 'the waiting event', 10_000);
      await send(promptId, 'y\n');
      await waitUntil(() => events.some((e) => e.event === 'listening' && e.data.id === serverId), 'the listening event', 10_000);
      await service.post(`${API}/${serverId}/signal`, { signal: 'kill' });
      await reading;
      const of = (id: string): SseEvent[] => events.filter((e) => e.data.id === id);
      expect(of(promptId).map((e) => e.event)).to.deep.equal(['started', 'waiting_for_input', 'exited']);
      expect(of(promptId)[1]?.data.prompt).to.equal('Proceed? [y/N] ');
      expect(of(promptId)[2]?.data).to.deep.include({ exit_code: 3, exit_reason: 'exited', last_lines: ['line one', 'Proceed? [y/N] answer y'] });
      expect(of(serverId).map((e) => e.event)).to.deep.equal(['started', 'listening', 'exited']);
      expect(of(serverId)[2]?.data).to.deep.include({ exit_code: -1, exit_signal: 'SIGKILL', exit_reason: 'requested' });
      const ids = events.map((e) => Number(e.id));
      expect(new Set(ids).size).to.equal(ids.length);
      expect(ids).to.deep.equal([...ids].sort((a, b) => a - b));
    });

    it('replays from Last-Event-ID without duplicates, and shows a chat only its own processes', async () => {
      const mark = await readSse(`${service.url}${API}/events?after=0`, { onEvent: () => false });
      const afterId = mark[0]?.id ?? '0';
      const a = await start('echo a', {}, { 'coder-chat-id': CHAT_A });
      const b = await start('echo b', {}, { 'coder-chat-id': CHAT_B });
      await output(a, '?wait=true');
      await output(b, '?wait=true');
      const untilExit = (id: string) => (event: SseEvent): boolean => !(event.event === 'exited' && event.data.id === id);
      const asA = await readSse(`${service.url}${API}/events`, { headers: { 'Last-Event-ID': afterId, 'coder-chat-id': CHAT_A }, onEvent: untilExit(a) });
      expect(asA.every((event) => event.data.id === a)).to.equal(true);
      expect(asA.map((event) => event.event)).to.deep.equal(['started', 'exited']);
      const asAll = await readSse(`${service.url}${API}/events`, { headers: { 'Last-Event-ID': afterId }, onEvent: untilExit(b) });
      expect(asAll.map((event) => event.data.id)).to.include.members([a, b]);
      const resumed = await readSse(`${service.url}${API}/events`, { headers: { 'Last-Event-ID': asAll[0]?.id ?? '' }, onEvent: untilExit(b) });
      expect(resumed.map((event) => event.id)).to.deep.equal(asAll.slice(1).map((event) => event.id));
    });
  });
});

describe('GET /events with a short history', () => {
  it('tells a reader behind the history how many events it lost, then goes on', async () => {
    const service = await startTestService({ maxEventHistory: 2 });
    try {
      for (const command of ['echo 1', 'echo 2']) {
        const { id } = (await (await service.post(`${API}/start`, { command })).json()) as { id: string };
        await service.request(`${API}/${id}/output?wait=true`);
      }
      const events = await readSse(`${service.url}${API}/events?after=0`, { onEvent: (event) => event.event !== 'exited' });
      expect(events.map((event) => event.event)).to.deep.equal(['lost', 'started', 'exited']);
      expect(events[0]?.data).to.deep.equal({ lost_events: 2, resume_at: 2 });
      expect(events[0]?.id).to.equal('2');
    } finally {
      await service.close();
    }
  });
});
