import type { Middleware } from 'koa';
import { ProcvisorError, type ErrorCode } from '../errors.js';
import type { RequestState } from './chat-context.js';
import { sendJson } from './json.js';

/** The HTTP status of every error code; a new code does not compile until it has one. */
export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  // Start-up only (a setting is invalid; the service exits with 2); never an HTTP answer.
  CONFIG_INVALID: 500,
  INVALID_JSON: 400,
  INVALID_REQUEST: 400,
  BODY_TOO_LARGE: 413,
  // Connection level only (see client-error-response.ts): the request did not arrive in time.
  REQUEST_TIMEOUT: 408,
  INVALID_CHAT_ID: 400,
  UNSUPPORTED_SIGNAL: 400,
  PROCESS_NOT_FOUND: 404,
  PROCESS_NOT_RUNNING: 409,
  STDIN_NOT_OPEN: 409,
  STDIN_CLOSED: 409,
  NOT_A_TERMINAL: 409,
  CLIENT_TOKEN_CONFLICT: 409,
  SPAWN_FAILED: 500,
  SIGNAL_FAILED: 500,
  SUPERVISOR_CLOSED: 500,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CHAT_NOT_FOUND: 404,
  UPGRADE_REQUIRED: 426,
  WATCH_LIMIT_REACHED: 503,
  GIT_FAILED: 500,
  UNAUTHORIZED: 401,
  HOST_NOT_ALLOWED: 403,
  ORIGIN_NOT_ALLOWED: 403,
  // Start-up only (the server could not listen); never an HTTP answer.
  LISTEN_FAILED: 500,
  // Start-up only (the data directory holds a newer procvisor's database); never an HTTP answer.
  DATA_DIR_NEWER: 500,
  TOO_MANY_CLIENTS: 503,
  // The service cannot watch processes (not Linux, or processWatch off): input/port/http waits.
  WATCH_UNAVAILABLE: 501,
  INTERNAL: 500,
};

/** The error body: the reference's `{message, detail?}` plus a stable `code`. */
export interface ErrorBody {
  message: string;
  detail?: string;
  code: ErrorCode;
}

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
