/**
 * Stable error codes of procvisor, in the order the OpenAPI document lists them. The HTTP layer
 * maps every code to a status in a `Record<ErrorCode, number>`, so a new code forces a status
 * decision at compile time.
 */
export const ERROR_CODES = [
  'CONFIG_INVALID',
  'INVALID_JSON',
  'INVALID_REQUEST',
  'BODY_TOO_LARGE',
  'REQUEST_TIMEOUT',
  'INVALID_CHAT_ID',
  'UNSUPPORTED_SIGNAL',
  'PROCESS_NOT_FOUND',
  'PROCESS_NOT_RUNNING',
  'STDIN_NOT_OPEN',
  'STDIN_CLOSED',
  'NOT_A_TERMINAL',
  'CLIENT_TOKEN_CONFLICT',
  'SPAWN_FAILED',
  'SIGNAL_FAILED',
  'SUPERVISOR_CLOSED',
  'ROUTE_NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'CHAT_NOT_FOUND',
  'UPGRADE_REQUIRED',
  'WATCH_LIMIT_REACHED',
  'GIT_FAILED',
  'UNAUTHORIZED',
  'HOST_NOT_ALLOWED',
  'ORIGIN_NOT_ALLOWED',
  'LISTEN_FAILED',
  'DATA_DIR_NEWER',
  'TOO_MANY_CLIENTS',
  'WATCH_UNAVAILABLE',
  'INTERNAL',
] as const;

/** One of ERROR_CODES. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * The one domain error of procvisor (HTTP answers, configuration, start-up, routing): a stable `code`, a `message` a person can act on, and an
 * optional `detail` (usually the underlying OS or parser error text). Keeps its `cause`.
 */
export class ProcvisorError extends Error {
  readonly code: ErrorCode;
  readonly detail: string | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; detail?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ProcvisorError';
    this.code = code;
    this.detail = options.detail;
  }
}

/** Quotes a value the way Go's `%q` does for the ASCII strings used in messages. */
export function quote(value: string): string {
  return JSON.stringify(value);
}
