/**
 * Floor servers, each in its own process (forked by the driver, IPC like serve.ts):
 *   bare     — node:http answering every request with the small JSON body
 *   koa      — Koa 3 + @koa/router, GET /api/v0/processes/:id/output answers the small JSON body
 *   longpoll — node:http; GET requests are held until POST /fire, which answers all of them
 * usage: node --import tsx bench/floors.ts bare|koa|longpoll
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Router } from '@koa/router';
import Koa from 'koa';
import { memoryStats, sendToParent, serveParent } from './lib/ipc.js';

/** What the service answers for a finished `echo hello`, byte for byte in size and shape. */
export const OUTPUT_BODY = { output: 'hello\n', running: false, exit_code: 0, exit_reason: 'exited' };
const OUTPUT_TEXT = `${JSON.stringify(OUTPUT_BODY)}\n`;
const JSON_TYPE = 'application/json; charset=utf-8';

function bare(): Server {
  return createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(OUTPUT_TEXT) });
    res.end(OUTPUT_TEXT);
  });
}

function koa(): Server {
  const app = new Koa();
  const router = new Router({ prefix: '/api/v0/processes' });
  router.get('/:id/output', (ctx) => {
    ctx.type = JSON_TYPE;
    ctx.body = OUTPUT_TEXT;
  });
  app.use(router.routes());
  app.use(router.allowedMethods());
  const handle = app.callback();
  // Koa answers its own errors; a rejection here would be a bug in the floor itself.
  return createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      process.stderr.write(`koa floor: ${String(error)}\n`);
      res.destroy();
    });
  });
}

let held: ServerResponse[] = [];

function longpoll(): Server {
  const answer = (res: ServerResponse, text: string): void => {
    res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    if (req.method === 'POST') {
      const batch = held;
      held = [];
      for (const waiting of batch) answer(waiting, OUTPUT_TEXT);
      answer(res, `${JSON.stringify({ fired: batch.length })}\n`);
      return;
    }
    held.push(res);
    // A client that leaves is forgotten.
    res.once('close', () => {
      if (!res.writableFinished) held = held.filter((r) => r !== res);
    });
  });
}

const kind = process.argv[2] ?? '';
const makers: Record<string, () => Server> = { bare, koa, longpoll };
const make = makers[kind];
if (!make) {
  process.stderr.write(`bench/floors: unknown kind ${JSON.stringify(kind)} (bare, koa, longpoll)\n`);
  process.exit(2);
}
const server = make();
// Like the service: no socket inactivity timeout, default keep-alive.
server.timeout = 0;
server.on('error', (error) => {
  sendToParent({ type: 'error', message: String(error) });
  process.exit(1);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  serveParent({
    stats: () => ({ held: held.length, ...memoryStats() }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  sendToParent({ type: 'ready', url: `http://127.0.0.1:${address.port}` });
});
