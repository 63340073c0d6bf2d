import type { Router } from '@koa/router';
import type Koa from 'koa';
import type { Middleware } from 'koa';
import type { ServiceMetrics } from '../ops/service-metrics.js';

/** Methods that get their own label value; anything else is `OTHER`, so labels stay bounded. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The route label of a path no router knows. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The routers mounted on `app` with `app.use(router.routes())`: @koa/router marks that
 * middleware with `.router`. Read after the app is assembled, it includes routers added by any
 * feature, with no list to keep in step.
 */
export function mountedRouters<S>(app: Koa<S>): Router<S>[] {
  return app.middleware.flatMap((middleware) => {
    const router = (middleware as { router?: Router<S> }).router;
    return router ? [router] : [];
  });
}

/**
 * Returns the template (`/api/v0/processes/:id/output`) of the first route of `routers` whose
 * path matches `path`, whatever the method, or UNMATCHED_ROUTE. Matching runs on the routers'
 * own layers, so it also labels requests refused before routing (a 401) by their route.
 */
export function routeTemplateOf<S>(routers: readonly Router<S>[], path: string): string {
  for (const router of routers) {
    for (const layer of router.stack) {
      if (layer.methods.length > 0 && typeof layer.path === 'string' && layer.match(path)) return layer.path;
    }
  }
  return UNMATCHED_ROUTE;
}

/**
 * Counts every request and observes its duration, labelled by method, route template and final
 * status. Outermost middleware: it sees the status the error middleware chose, and a request
 * that ends in an exception is still counted (as 500). `routers` is called at each request
 * (cache it), so it may list routers mounted after this middleware.
 */
export function httpMetrics<S>(metrics: Pick<ServiceMetrics, 'http'>, routers: () => readonly Router<S>[]): Middleware<S> {
  const tally = metrics.http;
  return async (ctx, next) => {
    const startedAt = performance.now();
    let failed = true;
    try {
      await next();
      failed = false;
    } finally {
      const method = KNOWN_METHODS.has(ctx.method) ? ctx.method : 'OTHER';
      // The router says which route it matched; only unrouted requests (a 401, a 404) are matched here.
      const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
      const template = typeof matched === 'string' ? matched : routeTemplateOf(routers(), ctx.path);
      tally.record(method, template, failed ? 500 : ctx.status, (performance.now() - startedAt) / 1000);
    }
  };
}
