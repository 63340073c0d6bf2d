import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ClientError, ProcvisorClient, chatHeaders, DEFAULT_SERVER_MAX_WAIT_MS, WAIT_HEADROOM_MS } from '../../src/client/procvisor-client.js';
import { useRealAgent } from '../helpers/real-agent.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { waitUntil } from '../helpers/wait-until.js';
import { rejectionOf } from '../helpers/rejection.js';

const CHAT_A = '11111111-1111-4111-8111-111111111111';
const CHAT_B = '22222222-2222-4222-8222-222222222222';

const rejection = (promise: Promise<unknown>): Promise<ClientError> => rejectionOf(promise, ClientError);

describe('ProcvisorClient against the real service', () => {
  let service: TestService;
  let client: ProcvisorClient;
  useRealAgent((agent) => ({ service, client } = agent));

  describe('startProcess', () => {
    it('starts a command and returns its id', async () => {
      const started = await client.startProcess({ command: 'echo hi' });
      expect(started.started).to.equal(true);
      expect(started.id).to.match(/^[0-9a-f-]{36}$/);
      expect(await client.processOutput(started.id, { wait: true })).to.include({ output: 'hi\n', running: false, exit_code: 0 });
    });

    it('sends workdir, env and background', async () => {
      const workdir = mkdtempSync(join(tmpdir(), 'procvisor-client-'));
      try {
        const { id } = await client.startProcess({ command: 'pwd; echo "$GREETING"', workdir, env: { GREETING: 'a <b> & c' }, background: true });
        expect((await client.processOutput(id, { wait: true })).output).to.equal(`${workdir}\na <b> & c\n`);
        const entry = (await client.listProcesses()).processes.find((process) => process.id === id);
        expect(entry).to.include({ workdir, background: true, running: false, exit_code: 0 });
      } finally {
        rmSync(workdir, { recursive: true, force: true });
      }
    });

    it('fails with the status, message and code of a refused request', async () => {
      const error = await rejection(client.startProcess({ command: '' }));
      expect(error.code).to.equal('UNEXPECTED_STATUS');
      expect(error.status).to.equal(400);
      expect(error.response).to.deep.equal({ message: 'Command is required.', code: 'INVALID_REQUEST' });
      expect(error.message).to.equal(`POST ${service.url}/api/v0/processes/start: unexpected status code 400: Command is required.`);
    });

    it('puts the detail on its own line, as the reference SDK does', async () => {
      const error = await rejection(client.startProcess({ command: 'true', workdir: '/nonexistent/dir' }));
      expect(error.status).to.equal(500);
      expect(error.detail).to.equal('start process: chdir /nonexistent/dir: no such file or directory');
      expect(error.message).to.equal(
        `POST ${service.url}/api/v0/processes/start: unexpected status code 500: Failed to start process.\n\tError: start process: chdir /nonexistent/dir: no such file or directory`,
      );
    });
  });

  describe('listProcesses', () => {
    it('lists running processes first, with the wire fields', async () => {
      const { id } = await client.startProcess({ command: 'sleep 30' });
      const { processes } = await client.listProcesses();
      expect(processes[0]).to.include({ id, command: 'sleep 30', running: true, background: false });
      expect(processes[0]).not.to.have.property('exit_code');
      expect(processes[0]?.started_at_unix).to.be.a('number');
      await client.signalProcess(id, 'kill');
    });
  });

  describe('processOutput', () => {
    it('returns a snapshot of a running process without waiting', async () => {
      const { id } = await client.startProcess({ command: 'echo started; sleep 30' });
      const snapshot = await waitUntil(async () => {
        const output = await client.processOutput(id);
        return output.output === 'started\n' ? output : null;
      }, 'the first line');
      expect(snapshot).to.deep.equal({ output: 'started\n', running: true });
      await client.signalProcess(id, 'kill');
    });

    it('blocks until the process exits with wait', async () => {
      const { id } = await client.startProcess({ command: 'sleep 0.2; echo done; exit 3' });
      expect(await client.processOutput(id, { wait: true })).to.include({ output: 'done\n', running: false, exit_code: 3 });
    });

    it('fails with 404 and the quoted id for an unknown process', async () => {
      const error = await rejection(client.processOutput('nope'));
      expect(error.status).to.equal(404);
      expect(error.response?.code).to.equal('PROCESS_NOT_FOUND');
      expect(error.message).to.equal(`GET ${service.url}/api/v0/processes/nope/output: unexpected status code 404: Process "nope" not found.`);
    });

    it('escapes the id into one path segment', async () => {
      const error = await rejection(client.processOutput('../list'));
      expect(error.status).to.equal(404);
      expect(error.url).to.equal(`${service.url}/api/v0/processes/..%2Flist/output`);
    });
  });

  describe('sendInput and resizeTerminal', () => {
    it('writes text and bytes to stdin, closes it on eof, and reports each write', async () => {
      const { id } = await client.startProcess({ command: 'cat', stdin: true });
      expect(await client.sendInput(id, { text: 'he' })).to.deep.equal({ bytes: 2, eof: false });
      expect(await client.sendInput(id, { data: Buffer.from('llo\n'), eof: true })).to.deep.equal({ bytes: 4, eof: true });
      expect((await client.processOutput(id, { wait: true })).output).to.equal('hello\n');
      const error = await rejection(client.sendInput(id, { text: 'x' }));
      expect(error.status).to.equal(409);
      expect(error.response?.code).to.equal('PROCESS_NOT_RUNNING');
    });

    it('resizes a terminal, and refuses a process without one', async () => {
      const { id } = await client.startProcess({ command: 'read _; stty size', pty: { cols: 80, rows: 24 } });
      expect(await client.resizeTerminal(id, 100, 30)).to.deep.equal({ cols: 100, rows: 30 });
      await client.sendInput(id, { text: '\r' });
      expect((await client.processOutput(id, { wait: true })).output).to.contain('30 100');
      const plain = await client.startProcess({ command: 'sleep 30' });
      const error = await rejection(client.resizeTerminal(plain.id, 10, 10));
      expect(error.response?.code).to.equal('NOT_A_TERMINAL');
      await client.signalProcess(plain.id, 'kill');
    });
  });

  describe('signalProcess', () => {
    it('signals the process group and returns the message', async () => {
      const { id } = await client.startProcess({ command: 'sleep 30' });
      expect(await client.signalProcess(id, 'terminate')).to.deep.equal({ message: `Signal "terminate" sent to process "${id}".` });
      expect(await client.processOutput(id, { wait: true })).to.include({ running: false, exit_code: -1 });
    });

    it('fails with 409 for a process that is no longer running', async () => {
      const { id } = await client.startProcess({ command: 'true' });
      await client.processOutput(id, { wait: true });
      const error = await rejection(client.signalProcess(id, 'kill'));
      expect(error.status).to.equal(409);
      expect(error.response?.message).to.equal(`Process "${id}" is not running.`);
    });

    it('fails with 400 for a signal the API does not have', async () => {
      const { id } = await client.startProcess({ command: 'sleep 30' });
      const error = await rejection(client.signalProcess(id, 'SIGHUP' as 'kill'));
      expect(error.status).to.equal(400);
      expect(error.response?.message).to.equal('Unsupported signal "SIGHUP". Use "kill" or "terminate".');
      await client.signalProcess(id, 'kill');
    });

    it('fails with 404 for an unknown process', async () => {
      const error = await rejection(client.signalProcess('nope', 'kill'));
      expect(error.status).to.equal(404);
    });
  });

  describe('extra headers', () => {
    it('tags processes with the chat, which then sees only its own', async () => {
      const chatA = new ProcvisorClient({ url: service.url, headers: chatHeaders(CHAT_A) });
      const chatB = new ProcvisorClient({ url: service.url });
      chatB.setExtraHeaders(chatHeaders(CHAT_B, [CHAT_A]));
      try {
        const { id } = await chatA.startProcess({ command: 'echo "$CODER_CHAT_ID"' });
        expect((await chatA.processOutput(id, { wait: true })).output).to.equal(`${CHAT_A}\n`);
        expect((await chatA.listProcesses()).processes.map((process) => process.id)).to.deep.equal([id]);
        expect((await chatB.listProcesses()).processes).to.deep.equal([]);
        expect((await rejection(chatB.processOutput(id))).status).to.equal(404);
      } finally {
        await chatA.close();
        await chatB.close();
      }
    });

    it('surfaces the server rejecting a malformed chat id', async () => {
      const bad = new ProcvisorClient({ url: service.url, headers: { 'Coder-Chat-Id': 'not-a-uuid' } });
      try {
        const error = await rejection(bad.listProcesses());
        expect(error.status).to.equal(400);
        expect(error.message).to.match(/unexpected status code 400: Invalid Coder-Chat-Id header\.\n\tError: "not-a-uuid" is not a UUID/);
      } finally {
        await bad.close();
      }
    });
  });

  describe('abort signals', () => {
    it('refuses at once with a signal that is already aborted', async () => {
      const error = await rejection(client.listProcesses({ signal: AbortSignal.abort() }));
      expect(error.code).to.equal('ABORTED');
      expect(error.message).to.equal(`do request: Get "${service.url}/api/v0/processes/list": This operation was aborted`);
    });

    it('cancels a blocking wait, and the server lets go of the waiter', async () => {
      const { id } = await client.startProcess({ command: 'sleep 30' });
      const controller = new AbortController();
      const waiting = rejection(client.processOutput(id, { wait: true, signal: controller.signal }));
      await waitUntil(() => service.supervisor.stats().waiters === 1, 'the waiter to register');
      controller.abort();
      expect((await waiting).code).to.equal('ABORTED');
      await waitUntil(() => service.supervisor.stats().waiters === 0, 'the waiter to be released');
      await client.signalProcess(id, 'kill');
    });
  });

  it('closes idempotently', async () => {
    const local = new ProcvisorClient({ url: service.url });
    await local.listProcesses();
    await Promise.all([local.close(), local.close()]);
    await local.close();
  });
});

describe('ProcvisorClient blocking waits', () => {
  it('gives blocking calls the server cap plus headroom, beyond the 300 s of built-in fetch', () => {
    expect(DEFAULT_SERVER_MAX_WAIT_MS).to.equal(300_000);
    expect(DEFAULT_SERVER_MAX_WAIT_MS + WAIT_HEADROOM_MS).to.equal(330_000);
  });

  // Scaled down: the server cap is 1.5 s and other calls give up after 300 ms (standing in for
  // fetch's 300 s), yet the blocking call lasts the whole cap and answers "running".
  it('keeps a blocking call open for the whole server cap, longer than the non-blocking limit', async () => {
    const service = await startTestService({ maxWaitMs: 1500 });
    const client = new ProcvisorClient({ url: service.url, requestTimeoutMs: 300, serverMaxWaitMs: 1500 });
    try {
      const { id } = await client.startProcess({ command: 'sleep 30' });
      const started = performance.now();
      const output = await client.processOutput(id, { wait: true });
      expect(performance.now() - started).to.be.at.least(1400);
      expect(output).to.deep.equal({ output: '', running: true });
    } finally {
      await client.close();
      await service.close();
    }
  });

  it('fails with a transport error when its own limit is shorter than the server cap', async () => {
    const service = await startTestService({ maxWaitMs: 1500 });
    const client = new ProcvisorClient({ url: service.url, serverMaxWaitMs: 100, waitHeadroomMs: 100 });
    try {
      const { id } = await client.startProcess({ command: 'sleep 30' });
      const error = await rejection(client.processOutput(id, { wait: true }));
      expect(error.code).to.equal('TRANSPORT');
      expect(error.message).to.equal(`do request: Get "${service.url}/api/v0/processes/${id}/output?wait=true": Headers Timeout Error`);
      await waitUntil(() => service.supervisor.stats().waiters === 0, 'the waiter to be released');
    } finally {
      await client.close();
      await service.close();
    }
  });
});
