import type { ErrorCode } from '../errors.js';

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
