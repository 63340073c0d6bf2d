import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ClientError, ProcvisorClient, type StreamEvent } from '../../src/client/procvisor-client.js';
import { useRealAgent } from '../helpers/real-agent.js';
import { startTestService } from '../helpers/test-service.js';
import { rejectionOf } from '../helpers/rejection.js';

async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const all: StreamEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

const rejection = (promise: Promise<unknown>): Promise<ClientError> => rejectionOf(promise, ClientError);

/** A scripted SSE server: `answer` gets each request's headers and its number (from 0). */
async function startFakeStream(answer: (res: ServerResponse, headers: IncomingHttpHeaders, index: number) => void): Promise<{ server: Server; url: string; requests: IncomingHttpHeaders[] }> {
  const requests: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    requests.push(req.headers);
    answer(res, req.headers, requests.length - 1);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

const SSE_HEADERS = { 'content-type': 'text/event-stream' };

describe('ProcvisorClient.streamOutput', () => {
  describe('against the real service', () => {
    let client: ProcvisorClient;
    useRealAgent((agent) => ({ client } = agent));

    it('yields the output as text, then the exit event, and ends', async () => {
      const { id } = await client.startProcess({ command: 'echo one; sleep 0.1; echo two; exit 3' });
      const events = await collect(client.streamOutput(id));
      expect(events.filter((e) => e.event === 'output').map((e) => e.text).join('')).to.equal('one\ntwo\n');
      expect(events.at(-1)).to.deep.include({ event: 'exit', cursor: 8, exit_code: 3, exit_reason: 'exited', next_cursor: 8 });
    });

    it('yields the exit alone when the cursor is already at the end of an exited process (the server answers 204)', async () => {
      const { id } = await client.startProcess({ command: 'echo one; exit 3' });
      await collect(client.streamOutput(id));
      const events = await collect(client.streamOutput(id, { cursor: 4 }));
      expect(events).to.have.length(1);
      expect(events[0]).to.deep.include({ event: 'exit', cursor: 4, exit_code: 3, exit_reason: 'exited', next_cursor: 4 });
    });

    it('yields the exact bytes in base64, from a cursor', async () => {
      const { id } = await client.startProcess({ command: "printf 'ab\\377\\000cd'" });
      const events = await collect(client.streamOutput(id, { encoding: 'base64', cursor: 2 }));
      const bytes = Buffer.concat(events.map((e) => (e.event === 'output' ? Buffer.from(e.data ?? '', 'base64') : Buffer.alloc(0))));
      expect([...bytes]).to.deep.equal([0xff, 0x00, 0x63, 0x64]);
    });

    it('rejects with the status and message for an unknown id', async () => {
      const error = await rejection(collect(client.streamOutput('nope')));
      expect(error.status).to.equal(404);
      expect(error.response).to.deep.include({ message: 'Process "nope" not found.', code: 'PROCESS_NOT_FOUND' });
    });

    it('stops with ABORTED when the caller aborts, and the service drops the reader', async () => {
      const { id } = await client.startProcess({ command: 'echo ready; sleep 30' });
      const abort = new AbortController();
      const error = await rejection(
        (async () => {
          for await (const event of client.streamOutput(id, { signal: abort.signal })) if (event.event === 'output') abort.abort();
        })(),
      );
      expect(error.code).to.equal('ABORTED');
      await client.signalProcess(id, 'kill');
    });

    it('sends grace_ms with terminate', async () => {
      const { id } = await client.startProcess({ command: 'trap "" TERM; echo ready; sleep 30' });
      await collectUntilOutput(client, id);
      await client.signalProcess(id, 'terminate', { graceMs: 50 });
      const exit = (await collect(client.streamOutput(id))).at(-1);
      expect(exit).to.deep.include({ event: 'exit', exit_signal: 'SIGKILL', exit_reason: 'requested' });
    });
  });

  it('resumes after a dropped connection with Last-Event-ID, without duplicates', async () => {
    const fake = await startFakeStream((res, headers, index) => {
      res.writeHead(200, SSE_HEADERS);
      if (index === 0) {
        res.write('id: 2\nevent: output\ndata: {"offset":0,"bytes":2,"text":"ab"}\n\n');
        // Cut the connection mid-stream.
        setImmediate(() => res.destroy());
        return;
      }
      res.end('id: 3\nevent: output\ndata: {"offset":2,"bytes":1,"text":"c"}\n\nid: 3\nevent: exit\ndata: {"exit_code":0,"exit_reason":"exited","duration_ms":5,"next_cursor":3}\n\n');
    });
    const client = new ProcvisorClient({ url: fake.url });
    try {
      const events = await collect(client.streamOutput('p', { cursor: 0 }));
      expect(events.map((e) => e.event)).to.deep.equal(['output', 'output', 'exit']);
      expect(events.filter((e) => e.event === 'output').map((e) => e.text).join('')).to.equal('abc');
      expect(fake.requests[0]?.['last-event-id']).to.equal(undefined);
      expect(fake.requests[1]?.['last-event-id']).to.equal('2');
    } finally {
      await client.close();
      await stop(fake.server);
    }
  });

  it('reconnects when the stream ends without the exit event, and gives up after repeated failures', async () => {
    const fake = await startFakeStream((res) => {
      res.writeHead(200, SSE_HEADERS);
      res.end(': nothing\n\n');
    });
    const client = new ProcvisorClient({ url: fake.url });
    try {
      const error = await rejection(collect(client.streamOutput('p', { maxReconnects: 2 })));
      expect(error.code).to.equal('TRANSPORT');
      expect(error.message).to.include('stream ended before the exit event');
      expect(fake.requests).to.have.length(3);
    } finally {
      await client.close();
      await stop(fake.server);
    }
  });

  it('refuses a malformed event with INVALID_RESPONSE', async () => {
    const fake = await startFakeStream((res) => {
      res.writeHead(200, SSE_HEADERS);
      res.end('id: 1\nevent: output\ndata: {"offset":"zero"}\n\n');
    });
    const client = new ProcvisorClient({ url: fake.url });
    try {
      const error = await rejection(collect(client.streamOutput('p')));
      expect(error.code).to.equal('INVALID_RESPONSE');
      expect(error.message).to.match(/^decode output event: offset: /);
    } finally {
      await client.close();
      await stop(fake.server);
    }
  });
});

describe('ProcvisorClient over a Unix socket', () => {
  it('talks to a service at unix:/path, stream included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'procvisor-client-sock-'));
    // The whole output stays streamable after the exit, however early the stream connects.
    const service = await startTestService({ socket: join(dir, 'p.sock'), exitedStreamBytes: 1_048_576 });
    const client = new ProcvisorClient({ url: service.url });
    try {
      expect(service.url).to.match(/^unix:\//);
      const { id } = await client.startProcess({ command: 'seq 1 30000' });
      const events = await collect(client.streamOutput(id, { encoding: 'base64' }));
      const output = Buffer.concat(events.map((e) => (e.event === 'output' ? Buffer.from(e.data ?? '', 'base64') : Buffer.alloc(0))));
      const expected = Array.from({ length: 30_000 }, (_, i) => `${i + 1}\n`).join('');
      expect(createHash('sha256').update(output).digest('hex')).to.equal(createHash('sha256').update(expected).digest('hex'));
      expect((await client.listProcesses()).processes.map((p) => p.id)).to.include(id);
    } finally {
      await client.close();
      await service.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function collectUntilOutput(client: ProcvisorClient, id: string): Promise<void> {
  for await (const event of client.streamOutput(id)) if (event.event === 'output') return;
}
