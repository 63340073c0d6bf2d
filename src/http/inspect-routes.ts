import { Router } from '@koa/router';
import type { Context } from 'koa';
import { ProcvisorError } from '../errors.js';
import type { InspectFeed } from '../inspect/inspect-feed.js';
import type { MachineChart } from '../inspect/machine-chart.js';
import { loadPageAssets, type PageAsset } from '../inspect/page-assets.js';
import type { RequestState } from '../web/chat-context.js';
import { openEventStream } from './event-stream.js';
import { sendJson } from '../web/json.js';

export interface InspectRouteDeps {
  feed: InspectFeed;
  /** The state chart of the process machine, described once from its definition. */
  chart: MachineChart;
}

type RouteContext = Context & { state: RequestState };

/** The page may load only its own files; nothing inline, nothing from elsewhere. */
const PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'";

/**
 * The built-in view, read-only: `GET /inspect` (the page and its files), `/inspect/machine.json`
 * (the chart), `/inspect/processes.json` (the views now) and `/inspect/events` (Server-Sent
 * Events: `snapshot`, then `update`s). It shows every process, as a caller without a chat id
 * sees them. More than the feed's client limit → 503 TOO_MANY_CLIENTS.
 */
export function createInspectRouter(deps: InspectRouteDeps): Router<RequestState> {
  const router = new Router<RequestState>({ prefix: '/inspect' });
  const assets = loadPageAssets();
  const serve = (name: string) => (ctx: Context) => sendAsset(ctx, assets.get(name));
  router.get('/', serve('index.html'));
  router.get('/inspect.css', serve('inspect.css'));
  router.get('/inspect.js', serve('inspect.js'));
  router.get('/machine.json', (ctx) => sendJson(ctx, 200, deps.chart));
  router.get('/processes.json', (ctx) => sendJson(ctx, 200, { processes: deps.feed.snapshot() }));
  router.get('/events', (ctx) => handleEvents(ctx as RouteContext, deps.feed));
  return router;
}

function sendAsset(ctx: Context, asset: PageAsset | undefined): void {
  if (!asset) throw new ProcvisorError('ROUTE_NOT_FOUND', `No route for ${ctx.method} ${ctx.path.slice(0, 200)}.`);
  ctx.status = 200;
  ctx.type = asset.contentType;
  ctx.set('Cache-Control', 'no-cache');
  ctx.set('Content-Security-Policy', PAGE_POLICY);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.body = asset.body;
}

/** One SSE stream per page: the snapshot first, then updates, until the client or the service goes away. */
function handleEvents(ctx: RouteContext, feed: InspectFeed): void {
  if (feed.isClosed) throw new ProcvisorError('SUPERVISOR_CLOSED', 'The service is shutting down.');
  if (feed.isFull) {
    throw new ProcvisorError('TOO_MANY_CLIENTS', 'Too many inspector clients.', { detail: 'Close another /inspect page, or raise inspectMaxClients.' });
  }
  const stream = openEventStream(ctx, ctx.state.log);
  // Checked just above in the same tick, so the feed takes this client.
  const unsubscribe = feed.subscribe({
    send: (message) => void stream.send(message.type, message),
    heartbeat: () => void stream.comment('ping'),
    end: () => stream.end(),
  });
  if (unsubscribe) stream.onClose(unsubscribe);
  else stream.end();
}
