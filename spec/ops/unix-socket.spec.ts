import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ProcvisorError } from '../../src/errors.js';
import { SOCKET_MODE } from '../../src/ops/unix-socket.js';
import { startTestService } from '../helpers/test-service.js';

/** GET `path` over the Unix socket `socketPath`; resolves with the status and the body text. */
function getOverSocket(socketPath: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function startFailure(socket: string): Promise<ProcvisorError> {
  try {
    const service = await startTestService({ socket });
    await service.close();
  } catch (error) {
    if (error instanceof ProcvisorError) return error;
    throw error;
  }
  throw new Error('expected the service to refuse the socket');
}

describe('Unix socket listening', () => {
  let dir: string;
  let socket: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'procvisor-sock-'));
    socket = join(dir, 'procvisor.sock');
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the API on the socket, mode 0600 even under a permissive umask, and removes the file on close', async () => {
    const previousUmask = process.umask(0);
    let service;
    try {
      service = await startTestService({ socket, authToken: 'socket-token-0123456789' });
    } finally {
      process.umask(previousUmask);
    }
    try {
      expect(service.url).to.equal(`unix:${socket}`);
      const stats = statSync(socket);
      expect(stats.isSocket()).to.equal(true);
      expect(stats.mode & 0o777).to.equal(SOCKET_MODE);
      const listed = await getOverSocket(socket, '/api/v0/processes/list', { authorization: 'Bearer socket-token-0123456789' });
      expect(listed).to.deep.equal({ status: 200, body: '{"processes":[]}\n' });
      expect((await getOverSocket(socket, '/api/v0/processes/list')).status).to.equal(401);
      expect(service.sink.lines.find((l) => l.msg === 'procvisor listening')).to.include({ url: `unix:${socket}` });
    } finally {
      await service.close();
    }
    expect(existsSync(socket)).to.equal(false);
  });

  it('replaces a stale socket file that nothing listens on', async () => {
    // A process that binds the socket and dies without cleaning up, like a crashed service.
    const crashed = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(socket)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    await once(crashed, 'exit');
    expect(statSync(socket).isSocket()).to.equal(true);
    const service = await startTestService({ socket });
    try {
      expect((await getOverSocket(socket, '/healthz')).status).to.equal(200);
    } finally {
      await service.close();
    }
  });

  it('refuses a socket another server listens on, and leaves that server alone', async () => {
    const other: Server = createServer((connection) => connection.end());
    await new Promise<void>((resolve) => other.listen(socket, resolve));
    try {
      const error = await startFailure(socket);
      expect(error.code).to.equal('LISTEN_FAILED');
      expect(error.message).to.equal(`Cannot listen on Unix socket ${JSON.stringify(socket)}: another server is listening on it.`);
      expect(statSync(socket).isSocket()).to.equal(true);
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });

  it('refuses a path that is not a socket, and never deletes it', async () => {
    writeFileSync(socket, 'precious');
    const error = await startFailure(socket);
    expect(error.code).to.equal('LISTEN_FAILED');
    expect(error.message).to.match(/the path exists and is not a socket; refusing to replace it\.$/);
    expect(readFileSync(socket, 'utf8')).to.equal('precious');
  });

  it('reports a directory that does not exist as LISTEN_FAILED', async () => {
    const error = await startFailure(join(dir, 'missing', 'procvisor.sock'));
    expect(error.code).to.equal('LISTEN_FAILED');
    // Node reports the missing directory as EACCES or ENOENT, depending on the version.
    expect(error.detail).to.match(/^listen E(ACCES|NOENT)/);
  });
});
