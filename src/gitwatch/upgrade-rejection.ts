import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ProcvisorError } from '../errors.js';
import type { ErrorBody } from '../protocol/error-body.js';
import { STATUS_BY_CODE } from '../web/error-status.js';
import { encodeJson } from '../web/json.js';

/**
 * Answers an upgrade request that is refused with the API's usual error response (status from
 * the error code, body `{message, detail?, code}`), then closes the connection. Returns the status.
 */
export function rejectUpgrade(socket: Duplex, error: ProcvisorError, headers: Record<string, string> = {}): number {
  const status = STATUS_BY_CODE[error.code];
  const body: ErrorBody = { message: error.message, ...(error.detail ? { detail: error.detail } : {}), code: error.code };
  const text = encodeJson(body);
  if (!socket.writable) {
    socket.destroy();
    return status;
  }
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('') +
      `Content-Length: ${Buffer.byteLength(text)}\r\n` +
      'Connection: close\r\n\r\n' +
      text,
  );
  return status;
}
