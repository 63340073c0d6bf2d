import Koa from 'koa';
import { SupervisorError } from '../errors.js';
import { createGitRouter } from '../gitwatch/git-routes.js';
import type { PathStore } from '../gitwatch/path-store.js';
import type { Logger } from '../logger.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { accessLog } from './access-log.js';
import { chatContextMiddleware, type RequestState } from './chat-context.js';
import { errorMiddleware } from './error-middleware.js';
import { createProcessRouter } from './process-routes.js';

export interface AppDeps {
  supervisor: Supervisor;
  log: Logger;
  /** Server cap of a blocking wait, ms (reference: 5 minutes). */
  maxWaitMs: number;
  /** Largest accepted request body, bytes. */
  maxBodyBytes: number;
  /** Git watch's path store; with it, `/api/v0/git` routes are mounted. */
  pathStore?: PathStore;
}

/**
 * The Koa application. Middleware order, outermost first: access log (one line per request) →
 * errors (status + `{message, detail?, code}`) → chat context (may reject a bad header, so it
 * sits inside the error handler) → routes → 405 / 404 for everything else.
 */
export function createApp(deps: AppDeps): Koa<RequestState> {
  const app = new Koa<RequestState>();
  const router = createProcessRouter({ supervisor: deps.supervisor, maxWaitMs: deps.maxWaitMs, maxBodyBytes: deps.maxBodyBytes });
  app.use(accessLog(deps.log));
  app.use(errorMiddleware());
  app.use(chatContextMiddleware());
  app.use(router.routes());
  app.use(
    router.allowedMethods({
      throw: true,
      methodNotAllowed: () => new SupervisorError('METHOD_NOT_ALLOWED', 'Method not allowed for this path.', { detail: 'See the Allow header.' }),
      notImplemented: () => new SupervisorError('METHOD_NOT_ALLOWED', 'Method not implemented.'),
    }),
  );
  // Git watch's HTTP routes (src/gitwatch/git-routes.ts); its WebSocket is attached in service.ts.
  if (deps.pathStore) {
    const gitRouter = createGitRouter({ store: deps.pathStore, maxBodyBytes: deps.maxBodyBytes });
    app.use(gitRouter.routes());
    app.use(gitRouter.allowedMethods({ throw: true, methodNotAllowed: () => new SupervisorError('METHOD_NOT_ALLOWED', 'Method not allowed for this path.', { detail: 'See the Allow header.' }) }));
  }
  app.use((ctx) => {
    throw new SupervisorError('ROUTE_NOT_FOUND', `No route for ${ctx.method} ${ctx.path.slice(0, 200)}.`, {
      detail: 'The process API lives under /api/v0/processes: POST /start, GET /list, GET /{id}/output, POST /{id}/signal.',
    });
  });
  app.on('error', (error: unknown) => deps.log.error({ err: error }, 'koa error'));
  return app;
}
