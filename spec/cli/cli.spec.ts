import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { waitUntil } from '../helpers/wait-until.js';
import { pgrepOwn } from '../helpers/own-processes.js';

const BIN = fileURLToPath(new URL('../../bin/procvisor.js', import.meta.url));
// The real bin, running the TypeScript source (its `#cli` import under this condition), not dist/.
const SOURCE = ['--conditions=procvisor-source', '--import', 'tsx'];
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

interface Launched {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (a signal death counts as 128 + n, as in a shell). */
  exited: Promise<number>;
}

/** Runs `node <SOURCE> bin/procvisor.js <args>` as a child process, without a terminal. */
function launch(args: string[], env: NodeJS.ProcessEnv = {}): Launched {
  const child = spawn(process.execPath, [...SOURCE, BIN, ...args], { env: { ...process.env, PROCVISOR_URL: '', PROCVISOR_AUTH_TOKEN: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = once(child, 'close').then(([code, signal]) => (code as number | null) ?? 128 + constants.signals[signal as NodeJS.Signals]);
  void exited.catch(() => undefined);
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function runBin(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const launched = launch(args, env);
  const code = await launched.exited;
  return { code, stdout: launched.stdout(), stderr: launched.stderr() };
}

/** Only processes this spec run started (see own-processes.ts): other suites may run at the same time. */
const pgrep = pgrepOwn;

describe('procvisor CLI (child processes)', function () {
  // Each command is a Node process that loads its modules through tsx: seconds on a busy machine.
  this.timeout(60_000);

  describe('client commands against a running service', () => {
    let service: TestService;
    before(async () => {
      service = await startTestService();
    });
    after(async () => {
      await service.close();
    });

    it("run passes the command's exit code through", async () => {
      const result = await runBin(['run', '--url', service.url, '--', 'sh', '-c', 'echo out; exit 7']);
      expect(result).to.deep.equal({ code: 7, stdout: 'out\n', stderr: '' });
    });

    it('run exits 137 when the process is killed; ps --json lists it and kill kills it', async () => {
      const running = launch(['run', '--url', service.url, '--', 'sh', '-c', 'echo started; exec sleep 31.5']);
      await waitUntil(() => running.stdout() === 'started\n', 'the command to start', 20_000);
      const ps = await runBin(['ps', '--json', '--url', service.url]);
      expect(ps.code).to.equal(0);
      const { processes } = JSON.parse(ps.stdout) as { processes: { id: string; command: string; running: boolean }[] };
      const entry = processes.find((p) => p.command === "sh -c 'echo started; exec sleep 31.5'");
      expect(entry).to.include({ running: true });
      const killed = await runBin(['kill', '--url', service.url, '--signal', 'kill', entry?.id ?? '']);
      expect(killed).to.deep.include({ code: 0, stdout: `Signal "kill" sent to process "${entry?.id}".\n` });
      expect(await running.exited).to.equal(137);
      expect(pgrep('^sleep 31.5$')).to.equal('');
    });

    it('run sends interrupt to the process when the CLI gets SIGINT, and exits 130', async () => {
      const running = launch(['run', '--url', service.url, 'echo started; exec sleep 32.5']);
      await waitUntil(() => running.stdout() === 'started\n', 'the command to start', 20_000);
      running.child.kill('SIGINT');
      expect(await running.exited).to.equal(130);
      const record = service.supervisor.list().find((r) => r.info.command === 'echo started; exec sleep 32.5');
      expect(record?.snapshot.context).to.include({ exitSignal: 'SIGINT', exitReason: 'requested' });
    });

    it('run terminates the process and exits 141 when its stdout is closed, as SIGPIPE would', async () => {
      const running = launch(['run', '--url', service.url, 'yes procvisor-broken-pipe']);
      await waitUntil(() => running.stdout().length > 0, 'output to arrive', 20_000);
      running.child.stdout?.destroy();
      expect(await running.exited).to.equal(141);
      const record = service.supervisor.list().find((r) => r.info.command === 'yes procvisor-broken-pipe');
      await record?.exited;
      expect(record?.snapshot.context).to.include({ exitSignal: 'SIGTERM', exitReason: 'requested' });
    });

    it('logs -f follows the output live until the process exits, then exits 0', async () => {
      const started = await service.post('/api/v0/processes/start', { command: 'echo first; read line; echo "second $line"', stdin: true });
      const { id } = (await started.json()) as { id: string };
      const following = launch(['logs', '-f', '--url', service.url, id]);
      await waitUntil(() => following.stdout() === 'first\n', 'the first line to be followed', 20_000);
      expect(service.supervisor.get(id).running).to.equal(true);
      expect((await service.post(`/api/v0/processes/${id}/input`, { text: 'go\n', eof: true })).status).to.equal(200);
      expect(await following.exited).to.equal(0);
      expect(following.stdout()).to.equal('first\nsecond go\n');
      expect(following.stderr()).to.equal('');
    });

    it("answers an unknown id with the service's message on stderr and exit code 1", async () => {
      expect(await runBin(['logs', '--url', service.url, 'no-such-id'])).to.deep.equal({ code: 1, stdout: '', stderr: 'procvisor: Process "no-such-id" not found.\n' });
    });
  });

  it('says that the service is not running when nothing listens at the URL', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const { code, stderr } = await runBin(['ps'], { PROCVISOR_URL: `http://127.0.0.1:${port}` });
    expect(code).to.equal(1);
    expect(stderr).to.equal(
      `procvisor: Cannot connect to procvisor at http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}. Is the service running? Start it with "procvisor serve", or point --url (or PROCVISOR_URL) at it.\n`,
    );
  });

  describe('serve', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'procvisor-serve-'));
    });
    afterEach(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('serves with flags over the config file, and shuts down on SIGTERM: exit 0, no process left', async () => {
      const config = join(dir, 'config.json');
      writeFileSync(config, JSON.stringify({ port: 1, logLevel: 'warn', listLimit: 1 }));
      const serving = launch(['serve', '--config', config, '--port', '0', '--log-level', 'info']);
      const lines: Record<string, unknown>[] = [];
      const url = await new Promise<string>((resolve, reject) => {
        void serving.exited.then((code) => reject(new Error(`serve exited early with ${code}: ${serving.stderr()}`)));
        createInterface({ input: serving.child.stdout! }).on('line', (line) => {
          const parsed = JSON.parse(line) as Record<string, unknown>;
          lines.push(parsed);
          if (parsed.msg === 'procvisor listening') resolve(String(parsed.url));
        });
      });
      const ran = await runBin(['run', '--url', url, '--detach', 'sleep 33.5 & sleep 34.5']);
      expect(ran.code).to.equal(0);
      expect((await runBin(['run', '--url', url, 'echo second'])).stdout).to.equal('second\n');
      // listLimit 1 came from the config file.
      expect((JSON.parse((await runBin(['ps', '--json', '--url', url])).stdout) as { processes: unknown[] }).processes).to.have.length(1);
      await waitUntil(() => pgrep('^sleep 34.5$') !== '', 'the command to run', 20_000);
      serving.child.kill('SIGTERM');
      expect(await serving.exited).to.equal(0);
      expect(pgrep('^sleep 3[34].5$')).to.equal('');
      expect(lines.map((line) => line.msg)).to.include.members(['shutting down', 'shutdown complete']);
    });

    it('refuses a bad setting from a flag with exit code 2, naming it', async () => {
      const { code, stderr } = await runBin(['serve', '--data-dir', '', '--port', '0']);
      expect(code).to.equal(2);
      expect(stderr).to.match(/^procvisor: Invalid configuration: dataDir: /);
    });
  });

  describe('usage', () => {
    it('prints the usage on stderr with exit code 2 when no command is given, and the version on request', async () => {
      const none = await runBin([]);
      expect(none.code).to.equal(2);
      expect(none.stderr).to.match(/^Usage: procvisor <command> \[options\]/);
      expect(none.stderr).to.match(/^ {2}run +run a command, stream its output, exit with its code$/m);
      const version = await runBin(['--version']);
      expect(version).to.deep.include({ code: 0, stdout: `${VERSION}\n` });
    });
  });
});
