import type { Context, Middleware } from 'koa';
import { ProcvisorError } from '../errors.js';
import type { ErrorBody } from '../protocol/error-body.js';
import { STATUS_BY_CODE } from '../web/error-status.js';
import type { RequestState } from '../web/chat-context.js';
import { sendJson } from '../web/json.js';

/**
 * Outermost handler of the routes: a ProcvisorError becomes its status and
 * `{message, detail?, code}`; anything else is a 500 INTERNAL, logged with its stack. What
 * nothing answered becomes an API error too (see unansweredError). One async frame for both:
 * each frame costs every request.
 */
export function errorMiddleware(): Middleware<RequestState> {
  return async (ctx, next) => {
    let failure: unknown;
    try {
      await next();
      if (ctx.respond === false || ctx.body !== undefined) return;
      failure = unansweredError(ctx);
      if (failure === null) return;
    } catch (error) {
      failure = error;
    }
    if (failure instanceof ProcvisorError) {
      const body: ErrorBody = { message: failure.message, ...(failure.detail ? { detail: failure.detail } : {}), code: failure.code };
      const status = STATUS_BY_CODE[failure.code];
      if (status >= 500) ctx.state.log.error({ err: failure, code: failure.code }, 'request failed');
      sendJson(ctx, status, body);
      return;
    }
    ctx.state.log.error({ err: failure }, 'unexpected error in a request handler');
    sendJson(ctx, 500, { message: 'Internal error.', detail: 'See the service log for details.', code: 'INTERNAL' } satisfies ErrorBody);
  };
}

/**
 * The API error of a request no route answered: the router's 405 (its Allow header stays) and
 * 501 become METHOD_NOT_ALLOWED, no route at all ROUTE_NOT_FOUND; null for anything else.
 */
function unansweredError(ctx: Context): ProcvisorError | null {
  if (ctx.status === 405 || ctx.status === 501) {
    return new ProcvisorError('METHOD_NOT_ALLOWED', `Method ${ctx.method} is not allowed for ${ctx.path.slice(0, 200)}.`, {
      detail: `Allowed: ${ctx.response.get('Allow') || 'none'}.`,
    });
  }
  if (ctx.status === 404) {
    return new ProcvisorError('ROUTE_NOT_FOUND', `No route for ${ctx.method} ${ctx.path.slice(0, 200)}.`, {
      detail: 'The process API lives under /api/v0/processes: POST /start, GET /list, GET /{id}/output, POST /{id}/signal.',
    });
  }
  return null;
}
