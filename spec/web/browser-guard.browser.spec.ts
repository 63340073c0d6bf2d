import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { launchChromium, requireChromium, type Chromium } from '../helpers/chromium.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { waitUntil } from '../helpers/wait-until.js';

const CHAT = '11111111-1111-4111-8111-111111111111';
const TOKEN = 'browser-spec-token-0123456789abcdef';

/** What a page managed against the service; every field says what came back, never only "it failed". */
interface Attempt {
  fetch: string;
  form: string;
  read: string;
  sse: { events: string[]; readyState: number };
  ws: { events: string[]; code: number };
}

/** The little of the page's DOM the attempts use (the specs compile without the DOM lib). */
interface PageNode {
  name: string;
  value: string;
  method: string;
  enctype: string;
  action: string;
  target: string;
  appendChild(node: PageNode): void;
  addEventListener(type: string, listener: () => void, options?: { once: boolean }): void;
  submit(): void;
}
interface PageEventSource {
  readyState: number;
  onerror: (() => void) | null;
  addEventListener(type: string, listener: (event: { data: unknown }) => void): void;
  close(): void;
}
interface PageWebSocket {
  onopen: (() => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number }) => void) | null;
  close(): void;
}
interface PageGlobal {
  fetch: typeof fetch;
  document: { createElement(tag: string): PageNode; body: PageNode };
  EventSource: new (url: string) => PageEventSource;
  WebSocket: new (url: string) => PageWebSocket;
}

/** An unrelated web page on another local origin: a plain server with an empty page. */
async function startOtherOrigin(): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>some other site</title><body></body>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/**
 * Runs, in `page`, everything a hostile page can try against `target` (the service's
 * `http://127.0.0.1:port`): a no-cors fetch POST /start and a text/plain form POST /start (each
 * touching a marker file), a CORS read of the list, an EventSource on a process stream and a
 * WebSocket on git watch. `query` is appended to the stream and watch URLs (a ticket).
 */
async function attempt(page: Page, target: string, args: { fetchMarker: string; formMarker: string; processId: string; query: string }): Promise<Attempt> {
  return page.evaluate(
    async ({ target, fetchMarker, formMarker, processId, query, chat }) => {
      const w = globalThis as unknown as PageGlobal;
      const fetchResult = await w
        .fetch(`${target}/api/v0/processes/start`, { mode: 'no-cors', method: 'POST', body: JSON.stringify({ command: `touch ${fetchMarker}` }) })
        .then((r) => `type=${r.type} status=${r.status}`, (e: Error) => `error: ${e.message}`);
      const form = await new Promise<string>((resolve) => {
        const doc = w.document;
        const frame = doc.createElement('iframe');
        frame.name = 'sink';
        doc.body.appendChild(frame);
        const element = doc.createElement('form');
        element.method = 'POST';
        element.enctype = 'text/plain';
        element.action = `${target}/api/v0/processes/start`;
        element.target = 'sink';
        const input = doc.createElement('input');
        // text/plain encodes name=value: together a JSON body.
        input.name = `{"command":"touch ${formMarker}","x":"`;
        input.value = '"}';
        element.appendChild(input);
        doc.body.appendChild(element);
        frame.addEventListener('load', () => resolve('submitted'), { once: true });
        element.submit();
      });
      const read = await w.fetch(`${target}/api/v0/processes/list`).then(
        (r) => r.text(),
        (e: Error) => `error: ${e.message}`,
      );
      const sse = await new Promise<Attempt['sse']>((resolve) => {
        const events: string[] = [];
        const source = new w.EventSource(`${target}/api/v0/processes/${processId}/stream${query ? `?${query}` : ''}`);
        for (const type of ['output', 'exit']) source.addEventListener(type, (e) => events.push(`${type} ${String(e.data)}`));
        source.addEventListener('exit', () => {
          source.close();
          resolve({ events, readyState: source.readyState });
        });
        source.onerror = () => {
          const readyState = source.readyState;
          source.close();
          resolve({ events, readyState });
        };
      });
      const ws = await new Promise<Attempt['ws']>((resolve) => {
        const events: string[] = [];
        const socket = new w.WebSocket(`${target.replace('http', 'ws')}/api/v0/git/watch?chat_id=${chat}${query ? `&${query}` : ''}`);
        socket.onopen = () => {
          events.push('open');
          socket.close();
        };
        socket.onmessage = (e) => events.push(`message ${String(e.data).slice(0, 100)}`);
        socket.onclose = (e) => resolve({ events, code: e.code });
      });
      return { fetch: fetchResult, form, read, sse, ws };
    },
    { target, chat: CHAT, ...args },
  );
}

describe('web pages against the service, in headless Chromium', function () {
  this.timeout(60_000);
  let browser: Chromium | undefined;
  let scratch: string;

  before(async function () {
    requireChromium(this);
    browser = await launchChromium();
    scratch = mkdtempSync(join(tmpdir(), 'procvisor-browser-guard-'));
  });
  after(async () => {
    await browser?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  describe('with the defaults (no token)', () => {
    let service: TestService;
    let other: { url: string; server: Server };
    let processId: string;
    before(async () => {
      service = await startTestService();
      other = await startOtherOrigin();
      const started = await service.post('/api/v0/processes/start', { command: 'echo private output' });
      processId = ((await started.json()) as { id: string }).id;
      await (await service.request(`/api/v0/processes/${processId}/output?wait=true`)).body?.cancel();
    });
    after(async () => {
      await service.close();
      // Chromium keeps its connection to the page's server alive.
      const closed = new Promise((resolve) => other.server.close(resolve));
      other.server.closeAllConnections();
      await closed;
    });

    it('runs nothing and shows nothing to a page on another port of 127.0.0.1', async () => {
      const page = browser!.page;
      await page.goto(other.url);
      const fetchMarker = join(scratch, 'other-port-fetch');
      const formMarker = join(scratch, 'other-port-form');
      const result = await attempt(page, service.url, { fetchMarker, formMarker, processId, query: '' });
      // Each attempt reached the service and was refused there, not by the browser.
      await waitUntil(() => service.sink.lines.filter((l) => l.msg === 'browser request refused' && l.origin === other.url).length >= 4, 'four refusals of HTTP requests');
      await waitUntil(() => service.sink.lines.some((l) => l.msg === 'git watch refused' && l.code === 'ORIGIN_NOT_ALLOWED'), 'the refused WebSocket');
      expect(existsSync(fetchMarker), 'no-cors fetch ran a command').to.equal(false);
      expect(existsSync(formMarker), 'form POST ran a command').to.equal(false);
      expect(result.fetch).to.equal('type=opaque status=0');
      expect(result.read).to.match(/^error: /);
      expect(result.sse.events).to.deep.equal([]);
      expect(result.ws.events).to.deep.equal([]);
      expect(result.ws.code).to.equal(1006);
      const list = (await (await service.request('/api/v0/processes/list')).json()) as { processes: { command: string }[] };
      expect(list.processes.map((p) => p.command).filter((c) => c.startsWith('touch'))).to.deep.equal([]);
    });

    it('runs nothing for a page on http://localhost:<same port> driving http://127.0.0.1:<port>', async () => {
      const page = browser!.page;
      const port = new URL(service.url).port;
      // Any page of that origin without the /inspect page's CSP (which would stop the attempts in the browser).
      await page.goto(`http://localhost:${port}/healthz`);
      const fetchMarker = join(scratch, 'localhost-fetch');
      const formMarker = join(scratch, 'localhost-form');
      const result = await attempt(page, service.url, { fetchMarker, formMarker, processId, query: '' });
      await waitUntil(() => service.sink.lines.filter((l) => l.msg === 'browser request refused' && l.origin === `http://localhost:${port}`).length >= 4, 'the refusals');
      expect(existsSync(fetchMarker)).to.equal(false);
      expect(existsSync(formMarker)).to.equal(false);
      expect(result.sse.events).to.deep.equal([]);
      expect(result.ws.events).to.deep.equal([]);
    });

    it('serves the same attempts from its own origin (the control: the spec can see success)', async () => {
      const page = browser!.page;
      await page.goto(`${service.url}/healthz`);
      const fetchMarker = join(scratch, 'own-fetch');
      const formMarker = join(scratch, 'own-form');
      const result = await attempt(page, service.url, { fetchMarker, formMarker, processId, query: '' });
      await waitUntil(() => existsSync(fetchMarker) && existsSync(formMarker), 'both commands to run');
      expect(JSON.parse(result.read)).to.have.property('processes');
      expect(result.sse.events.some((e) => e.startsWith('output ') && e.includes('private output'))).to.equal(true);
      expect(result.ws.events[0]).to.equal('open');
    });
  });

  describe('with a token: tickets for EventSource and WebSocket', () => {
    let service: TestService;
    let processId: string;
    before(async () => {
      service = await startTestService({ authToken: TOKEN });
      const headers = { authorization: `Bearer ${TOKEN}` };
      const started = await service.post('/api/v0/processes/start', { command: 'echo ticketed output' }, headers);
      processId = ((await started.json()) as { id: string }).id;
      await (await service.request(`/api/v0/processes/${processId}/output?wait=true`, { headers })).body?.cancel();
    });
    after(async () => {
      await service.close();
    });

    async function ticket(page: Page): Promise<string> {
      return page.evaluate(async (token) => {
        const response = await (globalThis as unknown as { fetch: typeof fetch }).fetch('/api/v0/auth/ticket', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
        return ((await response.json()) as { ticket: string }).ticket;
      }, TOKEN);
    }

    it('opens the stream and the watch socket with a ticket each, and neither without one', async () => {
      const page = browser!.page;
      await page.goto(`${service.url}/inspect?token=${TOKEN}`);
      // Traded for a view session: the address no longer holds the token.
      expect(page.url()).to.equal(`${service.url}/inspect`);
      await page.waitForSelector('#connection[data-connection="live"]', { timeout: 10_000 });

      const without = await attempt(page, service.url, { fetchMarker: join(scratch, 'x1'), formMarker: join(scratch, 'x2'), processId, query: '' });
      expect(without.sse.events).to.deep.equal([]);
      expect(without.ws.events).to.deep.equal([]);
      expect(existsSync(join(scratch, 'x1')) || existsSync(join(scratch, 'x2'))).to.equal(false);

      const streamTicket = await ticket(page);
      const streamed = await page.evaluate(
        ({ url }) =>
          new Promise<string[]>((resolve) => {
            const events: string[] = [];
            const source = new (globalThis as unknown as { EventSource: typeof EventSource }).EventSource(url);
            source.addEventListener('output', (e) => events.push(String((e as { data?: unknown }).data)));
            source.addEventListener('exit', () => {
              source.close();
              resolve(events);
            });
            source.onerror = () => {
              source.close();
              resolve([...events, 'error']);
            };
          }),
        { url: `/api/v0/processes/${processId}/stream?ticket=${streamTicket}` },
      );
      expect(streamed.join('')).to.include('ticketed output');

      const watchTicket = await ticket(page);
      const opened = await page.evaluate(
        (url) =>
          new Promise<string>((resolve) => {
            const socket = new (globalThis as unknown as { WebSocket: typeof WebSocket }).WebSocket(url);
            socket.onopen = () => {
              socket.close();
              resolve('open');
            };
            socket.onclose = (e) => resolve(`closed ${e.code}`);
          }),
        `${service.url.replace('http', 'ws')}/api/v0/git/watch?chat_id=${CHAT}&ticket=${watchTicket}`,
      );
      expect(opened).to.equal('open');
      const log = JSON.stringify(service.sink.lines);
      expect(log).to.not.include(streamTicket);
      expect(log).to.not.include(watchTicket);
    });
  });
});
