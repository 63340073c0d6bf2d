import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { readAuthTokenFile } from '../src/auth-token-file.js';
import { loadConfig } from '../src/config.js';
import { ProcvisorError } from '../src/errors.js';
import { runService } from '../src/run-service.js';
import { startTestService } from './helpers/test-service.js';

const MAIN = new URL('../src/main.ts', import.meta.url).pathname;
const TOKEN = 'token-from-a-file-0123456789abcdef';

function refusal(run: () => unknown): ProcvisorError {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(ProcvisorError);
    return error as ProcvisorError;
  }
  throw new Error('expected a refusal');
}

/** Runs the real entry point with `env`; resolves with its URL once it listens. */
async function launch(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const { PROCVISOR_AUTH_TOKEN: _token, PROCVISOR_AUTH_TOKEN_FILE: _file, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], { env: { ...inherited, PORT: '0', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`service exited early with ${code}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      if (parsed.msg === 'procvisor listening') resolve(String(parsed.url));
    });
  });
  return { child, url };
}

/**
 * Whether a command the service runs finds the token in the environment block of any of its
 * ancestors (`/proc/<pid>/environ`, readable by the same user), walking up to pid 1.
 */
async function tokenVisibleToCommands(url: string): Promise<string> {
  const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  const command =
    'p=$PPID; found=no; while [ "$p" -gt 1 ]; do ' +
    `if tr '\\0' '\\n' < /proc/$p/environ 2>/dev/null | grep -q '${TOKEN}'; then found=yes; fi; ` +
    "p=$(awk '/^PPid:/{print $2}' /proc/$p/status); done; " +
    `env | grep -q '${TOKEN}' && found="$found+own-env"; echo $found`;
  const started = await fetch(`${url}/api/v0/processes/start`, { method: 'POST', headers, body: JSON.stringify({ command }) });
  const { id } = (await started.json()) as { id: string };
  const output = await fetch(`${url}/api/v0/processes/${id}/output?wait=true`, { headers });
  return ((await output.json()) as { output: string }).output.trim();
}

describe('authTokenFile', function () {
  this.timeout(30_000);
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'procvisor-token-'));
    file = join(dir, 'token');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the token from a file readable by its owner only, trimming the newline', () => {
    writeFileSync(file, `${TOKEN}\n`, { mode: 0o600 });
    expect(readAuthTokenFile(file)).to.equal(TOKEN);
    const config = loadConfig({ PROCVISOR_AUTH_TOKEN_FILE: file });
    expect(config.authToken).to.equal(TOKEN);
    expect(config.authTokenFile).to.equal(file);
  });

  it('refuses a file its group or others may read or write, naming the mode and the fix', () => {
    for (const mode of [0o640, 0o604, 0o620, 0o644]) {
      writeFileSync(file, TOKEN);
      chmodSync(file, mode);
      const error = refusal(() => loadConfig({ PROCVISOR_AUTH_TOKEN_FILE: file }));
      expect(error.message).to.equal(`Invalid configuration: authTokenFile ${JSON.stringify(file)} is accessible to its group or to others (mode ${mode.toString(8)}).`);
      expect(error.detail).to.equal(`Make it readable by its owner only: chmod 600 ${JSON.stringify(file)}.`);
    }
  });

  it('refuses a missing file, a directory, a short token, and a token given twice', () => {
    expect(refusal(() => loadConfig({ PROCVISOR_AUTH_TOKEN_FILE: join(dir, 'missing') })).message).to.match(/authTokenFile ".*missing" cannot be read\.$/);
    chmodSync(dir, 0o700);
    expect(refusal(() => loadConfig({ PROCVISOR_AUTH_TOKEN_FILE: dir })).message).to.match(/is not a regular file\.$/);
    writeFileSync(file, 'short\n', { mode: 0o600 });
    expect(refusal(() => loadConfig({ PROCVISOR_AUTH_TOKEN_FILE: file })).message).to.match(/the token in authTokenFile .* must be at least 16 characters\.$/);
    writeFileSync(file, TOKEN, { mode: 0o600 });
    expect(refusal(() => loadConfig({ PROCVISOR_AUTH_TOKEN_FILE: file, PROCVISOR_AUTH_TOKEN: TOKEN })).message).to.equal('Invalid configuration: authToken and authTokenFile are both set.');
  });

  it('makes the service exit 2 at start-up with the reason on stderr', async () => {
    writeFileSync(file, TOKEN, { mode: 0o644 });
    chmodSync(file, 0o644);
    const stderr = new PassThrough();
    let text = '';
    stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    expect(await runService({ env: { PROCVISOR_AUTH_TOKEN_FILE: file }, stderr })).to.equal(2);
    expect(text).to.include('is accessible to its group or to others (mode 644).\nMake it readable by its owner only: chmod 600');
  });

  it('protects the service with the token from the file, and keeps its path from the commands', async () => {
    writeFileSync(file, TOKEN, { mode: 0o600 });
    process.env.PROCVISOR_AUTH_TOKEN_FILE = file;
    const service = await startTestService({ authTokenFile: file });
    try {
      expect((await service.request('/api/v0/processes/list')).status).to.equal(401);
      const headers = { authorization: `Bearer ${TOKEN}` };
      const started = await service.post('/api/v0/processes/start', { command: 'echo "${PROCVISOR_AUTH_TOKEN_FILE:-unset}"' }, headers);
      const { id } = (await started.json()) as { id: string };
      const output = await service.request(`/api/v0/processes/${id}/output?wait=true`, { headers });
      expect(((await output.json()) as { output: string }).output).to.equal('unset\n');
    } finally {
      delete process.env.PROCVISOR_AUTH_TOKEN_FILE;
      await service.close();
    }
  });

  it('keeps the token out of every environment a command can read, where PROCVISOR_AUTH_TOKEN leaves it in /proc/$PPID/environ', async () => {
    writeFileSync(file, TOKEN, { mode: 0o600 });
    for (const [env, expected] of [
      [{ PROCVISOR_AUTH_TOKEN: TOKEN }, 'yes'],
      [{ PROCVISOR_AUTH_TOKEN_FILE: file }, 'no'],
    ] as const) {
      const { child, url } = await launch(env);
      try {
        // Never "+own-env": the variable is removed from what commands inherit either way.
        expect(await tokenVisibleToCommands(url), Object.keys(env)[0]).to.equal(expected);
      } finally {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
    }
  });
});
