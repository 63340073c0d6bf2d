import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { waitUntil } from './helpers/wait-until.js';
import { pgrepOwn } from './helpers/own-processes.js';

const MAIN = new URL('../src/main.ts', import.meta.url).pathname;

/** Only processes this spec run started (see own-processes.ts): other suites may run at the same time. */
const pgrep = pgrepOwn;

/** Runs the real entry point; resolves with its URL once it logs "procvisor listening". */
async function launch(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; lines: Record<string, unknown>[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], { env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`service exited early with ${code}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      lines.push(parsed);
      if (parsed.msg === 'procvisor listening') resolve(String(parsed.url));
    });
  });
  return { child, url, lines };
}

describe('main', () => {
  it('serves with the defaults and shuts down cleanly on SIGTERM: exit 0, no process left', async () => {
    const { child, url, lines } = await launch({});
    expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    const started = await fetch(`${url}/api/v0/processes/start`, { method: 'POST', body: JSON.stringify({ command: 'sleep 36 & sleep 37' }) });
    expect(started.status).to.equal(200);
    await waitUntil(() => pgrep('^sleep 37$') !== '', 'the command to run');
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code).to.equal(0);
    expect(pgrep('^sleep 3[67]$')).to.equal('');
    expect(lines.some((l) => l.msg === 'shutdown complete')).to.equal(true);
  });

  it('refuses a bad configuration with a message naming the setting', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], { env: { ...process.env, PORT: 'eighty' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).to.equal(2);
    expect(stderr).to.match(/Invalid configuration: port: /);
  });

  it('refuses to serve a non-loopback host without a token (exit 2, the reason on stderr)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], { env: { ...process.env, HOST: '0.0.0.0', PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).to.equal(2);
    expect(stderr).to.match(/host "0\.0\.0\.0" is reachable from other machines and no authToken is set\.\n.*PROCVISOR_AUTH_TOKEN/);
  });

  it('refuses to start on a database written by a newer procvisor (exit 2, the reason on stderr)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'procvisor-main-'));
    try {
      const db = new Database(join(dir, 'procvisor.db'));
      db.pragma('user_version = 7');
      db.close();
      const child = spawn(process.execPath, ['--import', 'tsx', MAIN], { env: { ...process.env, PORT: '0', PROCVISOR_DATA_DIR: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout?.resume();
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).to.equal(2);
      expect(stderr).to.match(/^procvisor: The database ".*procvisor\.db" was written by a newer procvisor \(schema version 7; this one knows 1\)\.\n.*untouched/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 1 with the reason when it cannot listen (a socket path that is a regular file)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'procvisor-main-'));
    const socket = join(dir, 'not-a-socket');
    writeFileSync(socket, '');
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', MAIN], { env: { ...process.env, PROCVISOR_SOCKET: socket }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout?.resume();
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).to.equal(1);
      expect(stderr).to.equal(`procvisor: Cannot listen on Unix socket ${JSON.stringify(socket)}: the path exists and is not a socket; refusing to replace it.\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
