import Koa from 'koa';
import { SupervisorError } from '../errors.js';
import type { InspectFeed } from '../inspect/inspect-feed.js';
import { describeMachine } from '../inspect/machine-chart.js';
import type { Logger } from '../logger.js';
import { processMachine } from '../supervisor/process-machine.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { accessLog } from './access-log.js';
import { chatContextMiddleware, type RequestState } from './chat-context.js';
import { errorMiddleware } from './error-middleware.js';
import { createInspectRouter } from './inspect-routes.js';
import { createProcessRouter } from './process-routes.js';

export interface AppDeps {
  supervisor: Supervisor;
  log: Logger;
  /** Server cap of a blocking wait, ms (reference: 5 minutes). */
  maxWaitMs: number;
  /** Largest accepted request body, bytes. */
  maxBodyBytes: number;
  /** When given, the read-only view is served at `/inspect` from this feed. */
  inspectFeed?: InspectFeed;
}

/**
 * The Koa application. Middleware order, outermost first: access log (one line per request) →
 * errors (status + `{message, detail?, code}`) → chat context (may reject a bad header, so it
 * sits inside the error handler) → unmatched (405 / 404 as JSON) → routes → allowed methods.
 */
/**
 * Turns what the router left unanswered into API errors: its 405 (the Allow header stays) and
 * 501 into METHOD_NOT_ALLOWED, and no route at all into ROUTE_NOT_FOUND, all JSON.
 */
function unmatchedRoutes(): Koa.Middleware<RequestState> {
  return async (ctx, next) => {
    await next();
    if (ctx.respond === false || ctx.body !== undefined) return;
    if (ctx.status === 405 || ctx.status === 501) {
      throw new SupervisorError('METHOD_NOT_ALLOWED', `Method ${ctx.method} is not allowed for ${ctx.path.slice(0, 200)}.`, {
        detail: `Allowed: ${ctx.response.get('Allow') || 'none'}.`,
      });
    }
    if (ctx.status === 404) {
      throw new SupervisorError('ROUTE_NOT_FOUND', `No route for ${ctx.method} ${ctx.path.slice(0, 200)}.`, {
        detail: 'The process API lives under /api/v0/processes: POST /start, GET /list, GET /{id}/output, POST /{id}/signal.',
      });
    }
  };
}

export function createApp(deps: AppDeps): Koa<RequestState> {
  const app = new Koa<RequestState>();
  const router = createProcessRouter({ supervisor: deps.supervisor, maxWaitMs: deps.maxWaitMs, maxBodyBytes: deps.maxBodyBytes });
  app.use(accessLog(deps.log));
  app.use(errorMiddleware());
  app.use(chatContextMiddleware());
  app.use(unmatchedRoutes());
  app.use(router.routes());
  app.use(router.allowedMethods());
  if (deps.inspectFeed) {
    const inspectRouter = createInspectRouter({ feed: deps.inspectFeed, chart: describeMachine(processMachine) });
    app.use(inspectRouter.routes());
    app.use(inspectRouter.allowedMethods());
  }
  app.on('error', (error: unknown) => deps.log.error({ err: error }, 'koa error'));
  return app;
}
