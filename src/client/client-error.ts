/**
 * Why a call failed: the agent answered with a status other than 200 (`UNEXPECTED_STATUS`), no
 * answer arrived (`TRANSPORT`: refused, reset, timed out), the caller's signal aborted the call
 * (`ABORTED`), or a 200 answer could not be read (`INVALID_RESPONSE`).
 */
export type ClientErrorCode = 'UNEXPECTED_STATUS' | 'TRANSPORT' | 'ABORTED' | 'INVALID_RESPONSE';

/** The error body of the agent: the reference's `{message, detail?}`, plus procvisor's `code`. */
export interface ErrorResponseBody {
  message: string;
  detail?: string;
  /** procvisor's stable error code (e.g. `PROCESS_NOT_FOUND`); absent from other agents. */
  code?: string;
}

/**
 * The one error of the SDK. `message` is the reference SDK's error string, which the chat tools
 * show to the model verbatim:
 * `GET <url>: unexpected status code 404: Process "x" not found.` (+ `\n\tError: <detail>`)
 * for a status error, `do request: <method> "<url>": <cause>` when no answer arrived. Keeps its
 * `cause`.
 */
export class ClientError extends Error {
  readonly code: ClientErrorCode;
  readonly method: string;
  readonly url: string;
  /** HTTP status of the answer; 0 when none arrived. */
  readonly status: number;
  /** The agent's error body, for UNEXPECTED_STATUS. */
  readonly response: ErrorResponseBody | undefined;

  constructor(
    code: ClientErrorCode,
    message: string,
    fields: { method: string; url: string; status?: number; response?: ErrorResponseBody; cause?: unknown },
  ) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = 'ClientError';
    this.code = code;
    this.method = fields.method;
    this.url = fields.url;
    this.status = fields.status ?? 0;
    this.response = fields.response;
  }

  /** The server's `detail`, if it sent one. */
  get detail(): string | undefined {
    return this.response?.detail;
  }
}

/** The reference's status error string: `<METHOD> <URL>: unexpected status code <N>: <message>[\n\tError: <detail>]`. */
export function formatStatusError(method: string, url: string, status: number, response: ErrorResponseBody): string {
  const detail = response.detail ? `\n\tError: ${response.detail}` : '';
  return `${method} ${url}: unexpected status code ${status}: ${response.message}${detail}`;
}

/**
 * The reference's transport error string. Go's HTTP client names the method in title case and
 * quotes the URL (`Get "http://…": <cause>`); the SDK wraps it as `do request: …`.
 */
export function formatTransportError(method: string, url: string, cause: string): string {
  const goMethod = method.charAt(0) + method.slice(1).toLowerCase();
  return `do request: ${goMethod} ${JSON.stringify(url)}: ${cause}`;
}
