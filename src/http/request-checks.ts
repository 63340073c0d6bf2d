import type * as v from 'valibot';
import { describeIssues } from '../describe-issues.js';
import { ProcvisorError, quote } from '../errors.js';
import { MAX_COMMAND_BYTES, type InputBodySchema, type SignalBodySchema, type StartBodySchema } from '../protocol/request-schemas.js';
import { API_SIGNALS, type ApiSignal } from '../spawn/signals.js';
import type { StartRequest } from '../supervisor/supervisor.js';

/** INVALID_REQUEST for a query that failed its schema, the parameters named in `detail`. */
export function invalidQuery(issues: readonly v.BaseIssue<unknown>[]): ProcvisorError {
  return new ProcvisorError('INVALID_REQUEST', 'Invalid query parameter.', { detail: describeIssues(issues, 'query') });
}

const ENV_NAME = /^[^=\0]+$/;

function invalid(message: string, detail?: string): ProcvisorError {
  return new ProcvisorError('INVALID_REQUEST', message, detail === undefined ? {} : { detail });
}

/** Checks a parsed start body beyond its types and returns the supervisor's request. */
export function toStartRequest(body: v.InferOutput<typeof StartBodySchema>): StartRequest {
  const command = body.command ?? '';
  if (command === '') throw invalid('Command is required.');
  if (command.includes('\0')) throw invalid('Command must not contain NUL bytes.');
  const commandBytes = Buffer.byteLength(command);
  if (commandBytes > MAX_COMMAND_BYTES) {
    throw invalid(`Command is ${commandBytes} bytes; the limit is ${MAX_COMMAND_BYTES}.`, 'Linux refuses longer single arguments; write the script to a file and run that file instead.');
  }
  if (body.workdir?.includes('\0')) throw invalid('Workdir must not contain NUL bytes.');
  const env = body.env ?? undefined;
  for (const [key, value] of Object.entries(env ?? {})) {
    if (!ENV_NAME.test(key)) throw invalid(`Invalid environment variable name ${quote(key)}.`, 'Names must be non-empty and contain no "=" or NUL.');
    if (value.includes('\0')) throw invalid(`Environment variable ${quote(key)} must not contain NUL bytes.`);
  }
  return {
    command,
    ...(body.workdir ? { workdir: body.workdir } : {}),
    ...(env ? { env } : {}),
    background: body.background ?? false,
    ...(body.stdin ? { stdin: true } : {}),
    ...(body.pty ? { pty: body.pty } : {}),
    ...(body.timeout_ms ? { timeoutMs: body.timeout_ms } : {}),
    ...(body.idle_timeout_ms ? { idleTimeoutMs: body.idle_timeout_ms } : {}),
    ...(body.client_token ? { clientToken: body.client_token } : {}),
  };
}

/** Checks a parsed input body: something to write or an eof. */
export function toInput(body: v.InferOutput<typeof InputBodySchema>): { data: Buffer; eof: boolean } {
  if (typeof body.text === 'string' && typeof body.data === 'string') throw invalid('Send either "text" or "data", not both.');
  const data = typeof body.data === 'string' ? Buffer.from(body.data, 'base64') : Buffer.from(body.text ?? '', 'utf8');
  const eof = body.eof ?? false;
  if (data.length === 0 && !eof) throw invalid('Input is empty.', 'Send "text" (UTF-8), "data" (base64) or "eof": true.');
  return { data, eof };
}

/** Checks a parsed signal body: `kill` or `terminate`, case-sensitive, as in the reference. */
export function toApiSignal(body: v.InferOutput<typeof SignalBodySchema>): ApiSignal {
  const signal = body.signal ?? '';
  if (signal === '') throw invalid('Signal is required.');
  if (!Object.hasOwn(API_SIGNALS, signal)) {
    // The message is the reference's, word for word; the detail lists procvisor's additions.
    throw new ProcvisorError('UNSUPPORTED_SIGNAL', `Unsupported signal ${quote(signal)}. Use "kill" or "terminate".`, {
      detail: `Supported: ${Object.keys(API_SIGNALS).join(', ')}.`,
    });
  }
  return signal as ApiSignal;
}
