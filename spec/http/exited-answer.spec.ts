import { connect } from 'node:net';
import { expect } from 'chai';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { waitUntil } from '../helpers/wait-until.js';

const API = '/api/v0/processes';

/** The whole answer to one raw HTTP/1.1 GET (`Connection: close`), bytes as latin1 text. */
function rawGet(url: string, path: string, method = 'GET'): Promise<string> {
  const { hostname, port, host } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', reject);
    socket.write(`${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  });
}

/** The answer without its Date header line (the only part that may differ between two answers). */
const withoutDate = (raw: string): string => raw.replace(/\r\nDate: [^\r]*/, '');

/** Status line and headers, with the Date and Content-Length values masked. */
const headShape = (raw: string): string => withoutDate(raw.slice(0, raw.indexOf('\r\n\r\n'))).replace(/Content-Length: \d+/, 'Content-Length: N');

describe('exited answers (GET /{id}/output of an exited process, and ?wait=true woken by the exit)', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService();
  });
  after(async () => {
    await service.close();
  });

  it('writes a woken long poll the same bytes, status line and headers included, as a later snapshot GET', async () => {
    const { id } = (await (await service.post(`${API}/start`, { command: 'read _; echo "<done> & \u00e9"', stdin: true })).json()) as { id: string };
    const waiting = Array.from({ length: 3 }, () => rawGet(service.url, `${API}/${id}/output?wait=true`));
    await waitUntil(() => service.supervisor.stats().waiters === 3, 'the three waiters');
    await service.post(`${API}/${id}/input`, { text: 'go\n' });
    const woken = await Promise.all(waiting);
    const snapshot = await rawGet(service.url, `${API}/${id}/output`);
    expect(woken[0]).to.match(/^HTTP\/1\.1 200 OK\r\nContent-Type: application\/json; charset=utf-8\r\nContent-Length: \d+\r\n/);
    expect(woken[0]).to.contain('"output":"\\u003cdone\\u003e \\u0026 \u00c3\u00a9\\n","running":false,"exit_code":0');
    for (const raw of woken) expect(withoutDate(raw)).to.equal(withoutDate(snapshot));
    // Written past Koa's response pass: the head must still be exactly what Koa writes for a JSON answer.
    expect(headShape(snapshot)).to.equal(headShape(await rawGet(service.url, `${API}/list`)));
    // HEAD: the same head, no body.
    expect(withoutDate(await rawGet(service.url, `${API}/${id}/output`, 'HEAD'))).to.equal(withoutDate(snapshot.slice(0, snapshot.indexOf('\r\n\r\n') + 4)));
    expect(service.supervisor.stats().waiters).to.equal(0);
  });

  it('logs and counts a woken long poll as a 200', async () => {
    const { id } = (await (await service.post(`${API}/start`, { command: 'read _', stdin: true })).json()) as { id: string };
    const waiting = rawGet(service.url, `${API}/${id}/output?wait=true`);
    await waitUntil(() => service.supervisor.stats().waiters === 1, 'the waiter');
    await service.post(`${API}/${id}/input`, { text: '\n', eof: true });
    expect(await waiting).to.match(/^HTTP\/1\.1 200 OK\r\n/);
    const path = `${API}/${id}/output`;
    const line = await waitUntil(() => service.sink.lines.find((entry) => entry.msg === 'request' && entry.path === path), 'the access log line');
    expect(line).to.include({ method: 'GET', status: 200 });
    const metrics = await (await service.request('/metrics')).text();
    expect(metrics).to.match(/procvisor_http_requests_total\{method="GET",route="\/api\/v0\/processes\/:id\/output",status="200"\} [1-9]/);
  });
});
