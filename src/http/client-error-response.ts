import { STATUS_CODES } from 'node:http';
import type { ErrorBody } from '../protocol/error-body.js';
import { STATUS_BY_CODE } from '../web/error-status.js';

/**
 * The raw HTTP answer to a connection-level error (Node's `clientError`: the request never
 * reached Koa, or never finished arriving). A request whose header block or body did not
 * arrive within `headersTimeoutMs` / `requestTimeoutMs` is `408` with a JSON body
 * (REQUEST_TIMEOUT), as Node itself answers when nobody listens; anything else (a malformed
 * request) is a bare `400`. Ends with `Connection: close`: the caller closes the socket.
 */
export function clientErrorResponse(error: NodeJS.ErrnoException): string {
  if (error.code !== 'ERR_HTTP_REQUEST_TIMEOUT') return 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n';
  const body: ErrorBody = {
    message: 'Request was not received in time.',
    detail: 'The header block or the body did not arrive within the server\'s time limit (headersTimeoutMs / requestTimeoutMs); send the whole request at once.',
    code: 'REQUEST_TIMEOUT',
  };
  const text = JSON.stringify(body);
  const status = STATUS_BY_CODE.REQUEST_TIMEOUT;
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(text)}`,
    'Connection: close',
    '',
    text,
  ].join('\r\n');
}
