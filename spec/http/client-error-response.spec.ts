import { connect } from 'node:net';
import { expect } from 'chai';
import { startTestService, type TestService } from '../helpers/test-service.js';

/** Sends `head` (and nothing more) on a raw socket, then reads until the server closes it. */
function sendAndRead(url: string, head: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(head));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function parseResponse(raw: string): { status: number; headers: string; body: string } {
  const [head = '', body = ''] = raw.split('\r\n\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(head)?.[1]);
  return { status, headers: head, body };
}

describe('clientErrorResponse (an unfinished request)', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({ requestTimeoutMs: 300, headersTimeoutMs: 200 });
  });
  after(async () => {
    await service.close();
  });

  it('answers half a body with 408 REQUEST_TIMEOUT, and runs nothing', async () => {
    const head = 'POST /api/v0/processes/start HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"command":';
    const response = parseResponse(await sendAndRead(service.url, head));
    expect(response.status).to.equal(408);
    expect(response.headers).to.match(/\r\nContent-Type: application\/json; charset=utf-8\r\n/i);
    expect(JSON.parse(response.body)).to.deep.include({ code: 'REQUEST_TIMEOUT' });
    expect(service.supervisor.all()).to.have.length(0);
  });

  it('answers half a header block with 408 REQUEST_TIMEOUT', async () => {
    const response = parseResponse(await sendAndRead(service.url, 'GET /api/v0/processes/list HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: '));
    expect(response.status).to.equal(408);
    expect(JSON.parse(response.body)).to.deep.include({ code: 'REQUEST_TIMEOUT' });
  });

  it('still answers a malformed request line with 400', async () => {
    const response = parseResponse(await sendAndRead(service.url, 'NOT HTTP AT ALL\r\n\r\n'));
    expect(response.status).to.equal(400);
  });
});
