import Koa from 'koa';
import { realClock, type Clock } from '../clock.js';
import { createGitRouter } from '../gitwatch/git-routes.js';
import type { PathStore } from '../gitwatch/path-store.js';
import type { InspectFeed } from '../inspect/inspect-feed.js';
import { describeMachine } from '../inspect/machine-chart.js';
import type { Logger } from '../logger.js';
import { createServiceMetrics, type ServiceMetrics } from '../ops/service-metrics.js';
import { processMachine } from '../supervisor/process-machine.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { accessLog } from './access-log.js';
import { API_OPERATIONS, apiDocumentOptions } from './api-operations.js';
import { bearerAuth, createAccessCredentials, type AccessCredentials } from '../web/auth.js';
import { createAuthRouter } from './auth-routes.js';
import { createBrowserGuard, type BrowserGuard } from '../web/browser-guard.js';
import { browserGuardMiddleware } from '../web/browser-guard-middleware.js';
import { chatContextMiddleware, type RequestState } from '../web/chat-context.js';
import { errorMiddleware } from './error-middleware.js';
import { httpMetrics, mountedRouters } from './http-metrics.js';
import { buildOpenApiDocument } from './openapi.js';
import { createOpsRouter } from './ops-routes.js';
import { createInspectRouter } from './inspect-routes.js';
import { createProcessRouters } from './process-routes.js';

/** Socket errors that only mean the client is gone. */
const CLIENT_GONE_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE', 'ERR_STREAM_DESTROYED']);

export interface AppDeps {
  supervisor: Supervisor;
  log: Logger;
  /** Server cap of a blocking wait, ms (reference: 5 minutes). */
  maxWaitMs: number;
  /** Largest accepted request body, bytes. */
  maxBodyBytes: number;
  /** Open `/events` streams at most (64 by default). */
  maxEventStreams?: number;
  /** Git watch's path store; with it, `/api/v0/git` routes are mounted. */
  pathStore?: PathStore;
  /** Bearer token required on every route but `/healthz`; null or absent: no access control. */
  authToken?: string | null;
  /** The service's metrics; absent: the app creates its own, following `supervisor`. */
  metrics?: ServiceMetrics;
  /** When given, the read-only view is served at `/inspect` from this feed. */
  inspectFeed?: InspectFeed;
  /** Tickets and `/inspect` view sessions; absent: the app makes its own on `clock`. Share them with git watch. */
  credentials?: AccessCredentials;
  /** The time source of those credentials' expiry; default the wall clock. */
  clock?: Clock;
  /** The Host / Origin check of every request; absent: loopback names and same-origin pages only. */
  browserGuard?: BrowserGuard;
}

/** The guard when none is given: nothing configured beyond loopback. */
const LOOPBACK_ONLY: BrowserGuard = createBrowserGuard({ host: 'localhost', allowedHosts: [], allowedOrigins: [] });

/**
 * The Koa application. Middleware order, outermost first: HTTP metrics (sees the final status)
 * → access log (one line per request) → errors (status + `{message, detail?, code}`, and the
 * router's unanswered 405 / 404 as JSON) → browser
 * guard (Host and Origin: no web page on another origin, no rebound name, runs or reads
 * anything; before auth and before any body is read) → bearer auth when a token is set (before anything that answers, so every route, present or future,
 * needs the token) →
 * chat context (may reject a bad header, so it sits inside the error handler) → routes → allowed
 * methods.
 */
export function createApp(deps: AppDeps): Koa<RequestState> {
  const app = new Koa<RequestState>();
  const authToken = deps.authToken ?? null;
  const metrics = deps.metrics ?? createServiceMetrics(deps.supervisor);
  const processRouters = createProcessRouters({
    supervisor: deps.supervisor,
    maxWaitMs: deps.maxWaitMs,
    maxBodyBytes: deps.maxBodyBytes,
    ...(deps.maxEventStreams === undefined ? {} : { maxEventStreams: deps.maxEventStreams }),
  });
  const opsRouter = createOpsRouter({
    isServing: () => !deps.supervisor.isClosed,
    metrics,
    openApiDocument: buildOpenApiDocument(API_OPERATIONS, apiDocumentOptions(authToken !== null)),
  });
  // The metrics' route labels come from every router mounted below, found at the first request.
  let routers: ReturnType<typeof mountedRouters<RequestState>> | null = null;
  app.use(httpMetrics(metrics, () => (routers ??= mountedRouters(app))));
  app.use(accessLog(deps.log));
  app.use(errorMiddleware());
  app.use(browserGuardMiddleware(deps.browserGuard ?? LOOPBACK_ONLY));
  const credentials = deps.credentials ?? createAccessCredentials(deps.clock ?? realClock);
  if (authToken !== null) app.use(bearerAuth(authToken, credentials));
  app.use(chatContextMiddleware());
  // The process API first: it carries nearly all the traffic, and a matched route ends the
  // chain there (measured: each router in front costs a dispatch per request).
  for (const router of processRouters) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  app.use(opsRouter.routes());
  app.use(opsRouter.allowedMethods());
  const authRouter = createAuthRouter({ tickets: credentials.tickets });
  app.use(authRouter.routes());
  app.use(authRouter.allowedMethods());
  // Git watch's HTTP routes (src/gitwatch/git-routes.ts); its WebSocket is attached in service.ts.
  if (deps.pathStore) {
    const gitRouter = createGitRouter({ store: deps.pathStore, maxBodyBytes: deps.maxBodyBytes });
    app.use(gitRouter.routes());
    app.use(gitRouter.allowedMethods());
  }
  if (deps.inspectFeed) {
    const inspectRouter = createInspectRouter({ feed: deps.inspectFeed, chart: describeMachine(processMachine) });
    app.use(inspectRouter.routes());
    app.use(inspectRouter.allowedMethods());
  }
  app.on('error', (error: unknown) => {
    // A client that hangs up mid-response (a closed stream, `procvisor run | head`) is not the
    // service's failure: logged, at debug, with its code; anything else is an error.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined && CLIENT_GONE_CODES.has(code)) deps.log.debug({ err: error, code }, 'client went away during a response');
    else deps.log.error({ err: error }, 'koa error');
  });
  return app;
}
