import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { runCli } from '../../src/cli/program.js';
import { captureIo, type CapturedIo } from '../helpers/capture-io.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { waitUntil } from '../helpers/wait-until.js';

const TOKEN = 'cli-spec-token-0123456789';
const CHAT = '33333333-3333-4333-8333-333333333333';

describe('procvisor CLI (in-process, against the real service)', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService();
  });
  after(async () => {
    await service.close();
  });

  async function cli(args: string[], io: CapturedIo = captureIo()): Promise<{ code: number; out: string; err: string; io: CapturedIo }> {
    const code = await runCli([...args.slice(0, 1), '--url', service.url, ...args.slice(1)], io);
    return { code, out: io.out(), err: io.err(), io };
  }

  /** Starts a command through the CLI and returns its id. */
  async function detached(command: string): Promise<string> {
    const { code, out } = await cli(['run', '--detach', command]);
    expect(code).to.equal(0);
    return out.trim();
  }

  describe('run', () => {
    it('streams the exact output bytes and exits with the exit code', async () => {
      const { code, out, err } = await cli(['run', '--', 'sh', '-c', "printf 'caf\\303\\251 '; printf 'x\\n' >&2; exit 7"]);
      expect(code).to.equal(7);
      expect(out).to.equal('café x\n');
      expect(err).to.equal('');
    });

    it('forwards the working directory and environment', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'procvisor-cli-'));
      try {
        const { code, out } = await cli(['run', '-w', dir, '-e', 'A=1', '--env', 'B=x=y', '--', 'sh', '-c', 'pwd; echo "$A $B"']);
        expect(code).to.equal(0);
        expect(out).to.equal(`${dir}\n1 x=y\n`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('with --json prints one result at the end and still passes the exit code through', async () => {
      const { code, out } = await cli(['run', '--json', 'echo out; exit 3']);
      expect(code).to.equal(3);
      const result = JSON.parse(out) as Record<string, unknown>;
      expect(result).to.include({ output: 'out\n', running: false, exit_code: 3, exit_reason: 'exited' });
      expect(result.id).to.match(/^[0-9a-f-]{36}$/);
    });

    it('interrupts the process on SIGINT and exits 130; a second SIGINT kills it', async () => {
      const io = captureIo();
      const running = cli(['run', 'echo ready; sleep 30'], io);
      await waitUntil(() => io.out() === 'ready\n', 'the command to start');
      io.raise('SIGINT');
      expect((await running).code).to.equal(130);

      const stubborn = captureIo();
      const ignoring = cli(['run', "trap 'echo got INT' INT; echo ready; while :; do sleep 0.05; done"], stubborn);
      await waitUntil(() => stubborn.out() === 'ready\n', 'the command to start');
      stubborn.raise('SIGINT');
      await waitUntil(() => stubborn.out().includes('got INT'), 'the trap to run');
      stubborn.raise('SIGINT');
      expect((await ignoring).code).to.equal(137);
    });

    it('notes on stderr that the --timeout ended the process', async () => {
      const { code, err } = await cli(['run', '--timeout', '100', 'sleep 30']);
      expect(code).to.equal(143);
      expect(err).to.match(/^procvisor: process [0-9a-f-]{36} ended because its --timeout ran out\n$/);
    });

    it('reports a start the service refused, with its message and detail', async () => {
      const { code, err } = await cli(['run', '-w', '/nonexistent/dir', 'true']);
      expect(code).to.equal(1);
      expect(err).to.equal('procvisor: Failed to start process. (start process: chdir /nonexistent/dir: no such file or directory)\n');
    });
  });

  describe('ps', () => {
    it('shows a table with short ids, cutting commands to the terminal width', async () => {
      const id = await detached(`echo ${'x'.repeat(200)}`);
      const io = captureIo({ isTTY: true, columns: 60 });
      const { code, out } = await cli(['ps'], io);
      expect(code).to.equal(0);
      const lines = out.trimEnd().split('\n');
      expect(lines[0]).to.match(/^ID {8}STATUS +EXIT +AGE +COMMAND$/);
      const row = lines.find((line) => line.startsWith(id.slice(0, 8)));
      expect(row).to.match(/ echo x+…$/);
      expect(Math.max(...lines.map((line) => line.length))).to.be.at.most(60);
    });

    it('shows full ids and commands with --no-trunc, and the raw list with --json', async () => {
      const id = await detached('echo full');
      expect((await cli(['ps', '--no-trunc'])).out).to.match(new RegExp(`^${id} `, 'm'));
      const listed = JSON.parse((await cli(['ps', '--json'])).out) as { processes: { id: string; command: string }[] };
      expect(listed.processes.find((p) => p.id === id)).to.include({ command: 'echo full' });
    });
  });

  describe('logs', () => {
    it('prints the output snapshot, or its JSON', async () => {
      const id = await detached('echo one; echo two');
      await service.request(`/api/v0/processes/${id}/output?wait=true`);
      expect(await cli(['logs', id])).to.include({ code: 0, out: 'one\ntwo\n' });
      expect(JSON.parse((await cli(['logs', '--json', id])).out)).to.include({ output: 'one\ntwo\n', exit_code: 0 });
    });

    it('forwards its stdin with --stdin and closes the process\'s stdin at the end', async () => {
      const io = captureIo({ stdin: Readable.from([Buffer.from('pear\n'), Buffer.from('apple\n')]) });
      const { code, out } = await cli(['run', '--stdin', '--', 'sort'], io);
      expect(code).to.equal(0);
      expect(out).to.equal('apple\npear\n');
    });

    it('notes on stderr when the middle of the output was omitted', async () => {
      const id = await detached('seq 1 20000');
      await service.request(`/api/v0/processes/${id}/output?wait=true`);
      expect((await cli(['logs', id])).err).to.match(/^procvisor: \d+ bytes omitted from the middle of the output \(head and tail kept\)\n$/);
    });

    it('follows with -f --json as one event per line, exit last', async () => {
      const { code, out } = await cli(['logs', '-f', '--json', await detached('echo a; sleep 0.5; echo b')]);
      expect(code).to.equal(0);
      const events = out.trimEnd().split('\n').map((line) => JSON.parse(line) as { event: string; text?: string });
      expect(events.filter((e) => e.event === 'output').map((e) => e.text).join('')).to.equal('a\nb\n');
      expect(events.at(-1)).to.include({ event: 'exit', exit_code: 0 });
    });

    it('prints the kept output when -f is given for a process that already exited', async () => {
      const id = await detached('echo done already');
      await service.request(`/api/v0/processes/${id}/output?wait=true`);
      const { code, out } = await cli(['logs', '-f', id]);
      expect(code).to.equal(0);
      expect(out).to.equal('done already\n');
    });

    it('stops following on Ctrl-C and leaves the process running', async () => {
      const id = await detached('echo ready; sleep 30');
      const io = captureIo();
      const following = cli(['logs', '-f', id], io);
      await waitUntil(() => io.out() === 'ready\n', 'the output to arrive');
      io.raise('SIGINT');
      expect((await following).code).to.equal(130);
      expect(service.supervisor.get(id).running).to.equal(true);
      await cli(['kill', '-s', 'kill', id]);
    });
  });

  describe('kill', () => {
    it('sends the signal to the process named by its short id', async () => {
      const id = await detached('sleep 30');
      const { code, out } = await cli(['kill', '--signal', 'interrupt', id.slice(0, 8)]);
      expect(code).to.equal(0);
      expect(out).to.equal(`Signal "interrupt" sent to process "${id}".\n`);
      const exit = (await (await service.request(`/api/v0/processes/${id}/output?wait=true`)).json()) as Record<string, unknown>;
      expect(exit).to.include({ exit_signal: 'SIGINT', exit_reason: 'requested' });
    });

    it('refuses a signal name it does not know with a usage error', async () => {
      const { code, err } = await cli(['kill', '-s', 'stop', 'x']);
      expect(code).to.equal(2);
      expect(err).to.match(/^procvisor: option '-s, --signal <name>' argument 'stop' is invalid\. Allowed choices are kill, terminate, interrupt/);
    });
  });

  describe('errors', () => {
    it("answers an unknown id with the service's message and exit code 1", async () => {
      expect(await cli(['logs', 'nope'])).to.include({ code: 1, out: '', err: 'procvisor: Process "nope" not found.\n' });
      const json = await cli(['kill', '--json', 'nope']);
      expect(json.code).to.equal(1);
      expect(JSON.parse(json.out)).to.deep.equal({ message: 'Process "nope" not found.', code: 'PROCESS_NOT_FOUND', status: 404 });
    });

    it('refuses a malformed --url or option value with exit code 2', async () => {
      const io = captureIo();
      expect(await runCli(['ps', '--url', 'ftp://x'], io)).to.equal(2);
      expect(await runCli(['run', '--timeout', 'soon', 'true'], io)).to.equal(2);
      expect(await runCli(['ps', '--nope'], io)).to.equal(2);
      expect(io.err()).to.equal(
        [
          'procvisor: --url "ftp://x" must be http://, https:// or unix:/path.',
          "procvisor: option '--timeout <ms>' argument 'soon' is invalid. Not a whole number.",
          "procvisor: unknown option '--nope'",
          '',
        ].join('\n'),
      );
    });

    it('uses PROCVISOR_URL when there is no --url', async () => {
      const io = captureIo({ env: { PROCVISOR_URL: service.url } });
      expect(await runCli(['run', 'echo from env'], io)).to.equal(0);
      expect(io.out()).to.equal('from env\n');
    });
  });

  describe('against a service with a token', () => {
    let secured: TestService;
    before(async () => {
      secured = await startTestService({ authToken: TOKEN });
    });
    after(async () => {
      await secured.close();
    });

    it('sends --token or PROCVISOR_AUTH_TOKEN as a bearer token, and says how when it is missing', async () => {
      const io = captureIo({ env: { PROCVISOR_AUTH_TOKEN: TOKEN } });
      expect(await runCli(['run', '--url', secured.url, 'echo ok'], io)).to.equal(0);
      expect(await runCli(['ps', '--url', secured.url, '--token', TOKEN], io)).to.equal(0);
      expect(io.err()).to.equal('');
      const refused = captureIo();
      expect(await runCli(['ps', '--url', secured.url], refused)).to.equal(1);
      expect(refused.err()).to.equal('procvisor: Authentication required. Pass --token or set PROCVISOR_AUTH_TOKEN.\n');
    });

    it('reads the token from PROCVISOR_AUTH_TOKEN_FILE, refusing a file others may read', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'procvisor-cli-token-'));
      const file = join(dir, 'token');
      try {
        writeFileSync(file, `${TOKEN}\n`, { mode: 0o600 });
        const io = captureIo({ env: { PROCVISOR_AUTH_TOKEN_FILE: file } });
        expect(await runCli(['ps', '--url', secured.url], io)).to.equal(0);
        expect(io.err()).to.equal('');
        chmodSync(file, 0o644);
        const loose = captureIo({ env: { PROCVISOR_AUTH_TOKEN_FILE: file } });
        expect(await runCli(['ps', '--url', secured.url], loose)).to.equal(2);
        expect(loose.err()).to.include(`PROCVISOR_AUTH_TOKEN_FILE: authTokenFile ${JSON.stringify(file)} is accessible to its group or to others (mode 644).`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it('talks to a service on a Unix socket with --url unix:/path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'procvisor-cli-sock-'));
    const onSocket = await startTestService({ socket: join(dir, 'p.sock') });
    try {
      const io = captureIo();
      expect(await runCli(['run', '--url', onSocket.url, 'echo over the socket'], io)).to.equal(0);
      expect(io.out()).to.equal('over the socket\n');
    } finally {
      await onSocket.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('scopes to a chat with --chat-id', async () => {
    const mine = JSON.parse((await cli(['run', '--json', '--chat-id', CHAT, 'echo "$CODER_CHAT_ID"'])).out) as { id: string; output: string };
    expect(mine.output).to.equal(`${CHAT}\n`);
    const other = await detached('true');
    const listed = JSON.parse((await cli(['ps', '--json', '--chat-id', CHAT])).out) as { processes: { id: string }[] };
    expect(listed.processes.map((p) => p.id)).to.include(mine.id).and.not.include(other);
  });
});
