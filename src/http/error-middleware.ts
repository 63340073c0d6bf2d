import type { Middleware } from 'koa';
import { ProcvisorError } from '../errors.js';
import type { ErrorBody } from '../protocol/error-body.js';
import { STATUS_BY_CODE } from '../web/error-status.js';
import type { RequestState } from '../web/chat-context.js';
import { sendJson } from '../web/json.js';

/**
 * Outermost handler of the routes: a ProcvisorError becomes its status and
 * `{message, detail?, code}`; anything else is a 500 INTERNAL, logged with its stack.
 */
export function errorMiddleware(): Middleware<RequestState> {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      if (error instanceof ProcvisorError) {
        const body: ErrorBody = { message: error.message, ...(error.detail ? { detail: error.detail } : {}), code: error.code };
        const status = STATUS_BY_CODE[error.code];
        if (status >= 500) ctx.state.log.error({ err: error, code: error.code }, 'request failed');
        sendJson(ctx, status, body);
        return;
      }
      ctx.state.log.error({ err: error }, 'unexpected error in a request handler');
      sendJson(ctx, 500, { message: 'Internal error.', detail: 'See the service log for details.', code: 'INTERNAL' } satisfies ErrorBody);
    }
  };
}
