import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { ServiceMetrics } from '../ops/service-metrics.js';
import type { RequestState } from '../web/chat-context.js';
import { encodeJson, sendJson } from '../web/json.js';

export interface OpsRouteDeps {
  /** False once the service is shutting down. */
  isServing: () => boolean;
  metrics: ServiceMetrics;
  /** The OpenAPI document, built once. */
  openApiDocument: Record<string, unknown>;
}

/**
 * Operations routes: `GET /healthz` (exempt from the token: it says only ok or shutting_down),
 * `GET /metrics` (Prometheus) and `GET /api/v0/openapi.json`. Thin handlers, like process-routes.
 */
export function createOpsRouter(deps: OpsRouteDeps): Router<RequestState> {
  const router = new Router<RequestState>();
  const openApiText = encodeJson(deps.openApiDocument);
  router.get('/healthz', (ctx) => handleHealth(ctx, deps));
  router.get('/metrics', (ctx) => handleMetrics(ctx, deps));
  router.get('/api/v0/openapi.json', (ctx) => {
    ctx.status = 200;
    ctx.type = 'application/json; charset=utf-8';
    ctx.body = openApiText;
  });
  return router;
}

function handleHealth(ctx: Context, deps: OpsRouteDeps): void {
  if (deps.isServing()) sendJson(ctx, 200, { status: 'ok' });
  else sendJson(ctx, 503, { status: 'shutting_down' });
}

async function handleMetrics(ctx: Context, deps: OpsRouteDeps): Promise<void> {
  const text = await deps.metrics.render();
  ctx.status = 200;
  ctx.type = deps.metrics.contentType;
  ctx.body = text;
}
