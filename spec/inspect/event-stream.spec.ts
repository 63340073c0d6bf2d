import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { expect } from 'chai';
import Koa from 'koa';
import { openEventStream, type EventStream } from '../../src/http/event-stream.js';
import { createLogSink } from '../helpers/log-sink.js';
import { SseClient } from '../helpers/sse-client.js';

describe('openEventStream', () => {
  const sink = createLogSink();
  let server: Server;
  let url: string;
  let onOpen: (stream: EventStream) => void = () => undefined;

  before(async () => {
    const app = new Koa();
    app.on('error', (error: unknown) => sink.log.error({ err: error }, 'koa error'));
    app.use((ctx) => {
      const stream = openEventStream(ctx, sink.log, { retryMs: 500, maxPendingBytes: 4096 });
      onOpen(stream);
    });
    const handle = app.callback();
    server = createServer((req, res) => void handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers an event stream that closes its connection when it ends, with the retry first', async () => {
    onOpen = (stream) => {
      stream.send('hello', { n: 1 });
      stream.comment('ping');
      stream.end();
    };
    const response = await fetch(url);
    expect(response.headers.get('content-type')).to.equal('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).to.equal('no-cache, no-transform');
    expect(response.headers.get('connection')).to.equal('close');
    expect(await response.text()).to.equal('retry: 500\n\nevent: hello\ndata: {"n":1}\n\n: ping\n\n');
  });

  it('cuts off a client that stops reading once more than maxPendingBytes are unsent', async () => {
    let opened: EventStream | undefined;
    let closes = 0;
    const ready = new Promise<void>((resolve) => {
      onOpen = (stream) => {
        opened = stream;
        stream.onClose(() => (closes += 1));
        resolve();
      };
    });
    // A client that sends its request and then never reads: the kernel buffers fill, then ours.
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    client.on('error', () => undefined); // the cut-off resets the connection
    client.pause();
    client.write('GET / HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n');
    await ready;
    const chunk = 'x'.repeat(64 * 1024);
    let sent = 0;
    while (opened!.send('big', chunk)) {
      sent += 1;
      if (sent > 4096) throw new Error('256 MiB went out without a cut-off');
    }
    expect(sent).to.be.greaterThan(0);
    expect(closes).to.equal(1);
    expect(opened!.send('after', 1)).to.equal(false);
    expect(sink.lines.some((line) => line.msg === 'event stream client is not reading; cutting it off')).to.equal(true);
    client.destroy();
  });

  it('reports a client that leaves, without an error', async () => {
    let closes = 0;
    const left = new Promise<void>((resolve) => {
      onOpen = (stream) => {
        stream.send('hello', 1);
        stream.onClose(() => {
          closes += 1;
          resolve();
        });
      };
    });
    const client = await SseClient.open(url);
    await client.waitFor(() => client.events.length > 0, 'the first event');
    client.close();
    await left;
    expect(closes).to.equal(1);
    expect(sink.lines.filter((line) => line.level === 'error')).to.deep.equal([]);
  });

  it('calls a close listener added after the close at once', async () => {
    let late = false;
    onOpen = (stream) => {
      stream.end();
      stream.onClose(() => (late = true));
    };
    await (await fetch(url)).text();
    expect(late).to.equal(true);
  });
});
