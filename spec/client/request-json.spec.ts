import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { ClientError, ProcvisorClient } from '../../src/client/procvisor-client.js';
import { rejectionOf } from '../helpers/rejection.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** An HTTP server that answers every request with the current `handler`, and records requests. */
async function scriptedServer(): Promise<{ server: Server; url: string; seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[]; handle(handler: Handler): void }> {
  let handler: Handler = (_req, res) => res.end();
  const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, seen, handle: (next) => (handler = next) };
}

function reply(status: number, type: string | null, body: string): Handler {
  return (_req, res) => {
    res.writeHead(status, type === null ? {} : { 'content-type': type });
    res.end(body);
  };
}

const rejection = (promise: Promise<unknown>): Promise<ClientError> => rejectionOf(promise, ClientError);

describe('ProcvisorClient against a scripted server', () => {
  let scripted: Awaited<ReturnType<typeof scriptedServer>>;
  let client: ProcvisorClient;
  before(async () => {
    scripted = await scriptedServer();
    client = new ProcvisorClient({ url: scripted.url, headers: { 'x-extra': 'yes' }, maxResponseBytes: 1024 });
  });
  after(async () => {
    await client.close();
    scripted.server.closeAllConnections();
    await new Promise((resolve) => scripted.server.close(resolve));
  });

  it('sends JSON bodies without HTML escaping, with the extra headers', async () => {
    scripted.handle(reply(200, 'application/json', '{"id":"p1","started":true}'));
    await client.startProcess({ command: 'echo "<a> & b"', env: { K: 'v' } });
    const request = scripted.seen.at(-1);
    expect(request?.method).to.equal('POST');
    expect(request?.url).to.equal('/api/v0/processes/start');
    expect(request?.body).to.equal('{"command":"echo \\"<a> & b\\"","env":{"K":"v"}}');
    expect(request?.headers['content-type']).to.equal('application/json');
    expect(request?.headers['x-extra']).to.equal('yes');
  });

  it('appends ?wait=true only when asked to wait', async () => {
    scripted.handle(reply(200, 'application/json', '{"output":"","running":true}'));
    await client.processOutput('p1');
    expect(scripted.seen.at(-1)?.url).to.equal('/api/v0/processes/p1/output');
    await client.processOutput('p1', { wait: true });
    expect(scripted.seen.at(-1)?.url).to.equal('/api/v0/processes/p1/output?wait=true');
  });

  it('keeps a path prefix of the base URL', async () => {
    const prefixed = new ProcvisorClient({ url: `${scripted.url}/agent/1` });
    try {
      scripted.handle(reply(200, 'application/json', '{"processes":[]}'));
      await prefixed.listProcesses();
      expect(scripted.seen.at(-1)?.url).to.equal('/agent/1/api/v0/processes/list');
      expect(prefixed.url).to.equal(`${scripted.url}/agent/1/`);
    } finally {
      await prefixed.close();
    }
  });

  it('reports a non-JSON error body by its type, with the body as detail', async () => {
    scripted.handle(reply(404, 'text/plain; charset=utf-8', '404 page not found\n'));
    const error = await rejection(client.listProcesses());
    expect(error.status).to.equal(404);
    expect(error.response).to.deep.equal({ message: 'unexpected non-JSON response "text/plain; charset=utf-8"', detail: '404 page not found\n' });
    expect(error.message).to.equal(
      `GET ${scripted.url}/api/v0/processes/list: unexpected status code 404: unexpected non-JSON response "text/plain; charset=utf-8"\n\tError: 404 page not found\n`,
    );
  });

  it('shows at most 2048 bytes of a non-JSON error body', async () => {
    const big = new ProcvisorClient({ url: scripted.url });
    try {
      scripted.handle(reply(502, 'text/html', 'x'.repeat(3000)));
      expect((await rejection(big.listProcesses())).detail).to.equal(`${'x'.repeat(2048)}...`);
    } finally {
      await big.close();
    }
  });

  it('reports an empty JSON error body', async () => {
    scripted.handle(reply(500, 'application/json', ''));
    const error = await rejection(client.listProcesses());
    expect(error.response).to.deep.equal({ message: 'empty response body' });
    expect(error.message).to.match(/unexpected status code 500: empty response body$/);
  });

  it('reports a JSON error body without a message', async () => {
    scripted.handle(reply(503, 'application/json', '{"oops":true}'));
    const error = await rejection(client.listProcesses());
    expect(error.response).to.deep.equal({ message: 'unexpected status code 503, response has no message', detail: '{"oops":true}' });
  });

  it('refuses a 200 answer that is not JSON, or not the expected shape', async () => {
    scripted.handle(reply(200, 'application/json', 'not json'));
    const notJson = await rejection(client.listProcesses());
    expect(notJson.code).to.equal('INVALID_RESPONSE');
    expect(notJson.message).to.match(/^decode response body: /);
    scripted.handle(reply(200, 'application/json', '{"output":1,"running":true}'));
    const wrongShape = await rejection(client.processOutput('p1'));
    expect(wrongShape.code).to.equal('INVALID_RESPONSE');
    expect(wrongShape.message).to.match(/^decode response body: output: Invalid type/);
  });

  it('refuses an answer larger than maxResponseBytes', async () => {
    scripted.handle(reply(200, 'application/json', JSON.stringify({ output: 'x'.repeat(2000), running: true })));
    const error = await rejection(client.processOutput('p1'));
    expect(error.code).to.equal('INVALID_RESPONSE');
    expect(error.message).to.equal('response body exceeds 1024 bytes');
  });

  it('keeps the fields a newer agent adds', async () => {
    scripted.handle(reply(200, 'application/json', '{"output":"x","running":false,"exit_code":-1,"exit_signal":"SIGKILL"}'));
    expect(await client.processOutput('p1')).to.deep.equal({ output: 'x', running: false, exit_code: -1, exit_signal: 'SIGKILL' });
  });

  it('wraps a refused connection as a transport error', async () => {
    const closed = await scriptedServer();
    closed.server.close();
    const unreachable = new ProcvisorClient({ url: closed.url });
    try {
      const error = await rejection(unreachable.startProcess({ command: 'true' }));
      expect(error.code).to.equal('TRANSPORT');
      expect(error.status).to.equal(0);
      expect(error.message).to.match(new RegExp(`^do request: Post "${closed.url}/api/v0/processes/start": connect ECONNREFUSED`));
    } finally {
      await unreachable.close();
    }
  });

  it('wraps a connection cut mid-answer as a transport error', async () => {
    scripted.handle((req) => req.socket.destroy());
    const error = await rejection(client.listProcesses());
    expect(error.code).to.equal('TRANSPORT');
    expect(error.message).to.match(/^do request: Get "http:\/\/127\.0\.0\.1:\d+\/api\/v0\/processes\/list": /);
  });
});
