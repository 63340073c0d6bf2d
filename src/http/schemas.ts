import * as v from 'valibot';
import { ProcvisorError, quote } from '../errors.js';
import { API_SIGNALS, type ApiSignal } from '../spawn/signals.js';
import type { StartRequest } from '../supervisor/supervisor.js';
import { jsonObject, jsonRecord } from '../protocol/json-object.js';

/**
 * Linux refuses a single exec argument over 128 KiB (MAX_ARG_STRLEN), and the command is one
 * argument of `sh -c`; a longer one is refused here with a clear message instead of failing
 * the spawn. The bytes reserved cover procvisor's own prefix.
 */
export const MAX_COMMAND_BYTES = 131_072 - 64;

/** Longest lifetime, idle timeout, grace or wait a client may ask for: one week, in ms. */
export const MAX_DURATION_MS = 7 * 24 * 3600 * 1000;
/** Largest terminal a client may ask for, in columns and rows. */
export const MAX_TERMINAL_CELLS = 1000;
/** Longest `pattern` of a match wait. */
export const MAX_PATTERN_CHARS = 1024;

const durationMs = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_DURATION_MS));
const terminalSide = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_TERMINAL_CELLS));

/** A terminal: size and `TERM` name. */
export const PtySchema = jsonObject({
  cols: v.optional(terminalSide, 80),
  rows: v.optional(terminalSide, 24),
  term: v.optional(v.pipe(v.string(), v.regex(/^[\w.+-]{1,64}$/, 'must be a terminal name such as xterm-256color')), 'xterm-256color'),
});

/**
 * `POST /start` body: the reference's fields, then procvisor's optional additions. Unknown
 * fields are ignored and `null` means absent, as with Go's decoder. Every object field (and the
 * body) refuses a JSON array, as Go's decoder does (see jsonObject).
 */
export const StartBodySchema = jsonObject({
  command: v.optional(v.nullable(v.string()), ''),
  workdir: v.optional(v.nullable(v.string())),
  env: v.optional(v.nullable(jsonRecord(v.string(), v.string()))),
  background: v.optional(v.nullable(v.boolean())),
  stdin: v.optional(v.nullable(v.boolean())),
  pty: v.optional(v.nullable(PtySchema)),
  timeout_ms: v.optional(v.nullable(durationMs)),
  idle_timeout_ms: v.optional(v.nullable(durationMs)),
  client_token: v.optional(v.nullable(v.pipe(v.string(), v.minLength(1), v.maxLength(256)))),
});

/** `POST /{id}/signal` body; `grace_ms` (terminate only) escalates to SIGKILL after that long. */
export const SignalBodySchema = jsonObject({
  signal: v.optional(v.nullable(v.string()), ''),
  grace_ms: v.optional(v.nullable(durationMs)),
});

/** `POST /{id}/input` body: `text` (UTF-8) or `data` (base64), and/or `eof`. */
export const InputBodySchema = jsonObject({
  text: v.optional(v.nullable(v.string())),
  data: v.optional(v.nullable(v.pipe(v.string(), v.base64('must be base64')))),
  eof: v.optional(v.nullable(v.boolean())),
});

/** `POST /{id}/resize` body. */
export const ResizeBodySchema = jsonObject({ cols: terminalSide, rows: terminalSide });

/** Query of `GET /events`: replay the events after this sequence number (like `Last-Event-ID`). */
export const EventsQuerySchema = v.object({
  after: v.optional(v.pipe(v.string(), v.regex(/^\d{1,16}$/, 'must be a whole number'), v.transform(Number))),
});

/** INVALID_REQUEST for a query that failed its schema, the parameters named in `detail`. */
export function invalidQuery(issues: readonly v.BaseIssue<unknown>[]): ProcvisorError {
  const detail = issues.map((issue) => `${v.getDotPath(issue) ?? 'query'}: ${issue.message}`).join('; ');
  return new ProcvisorError('INVALID_REQUEST', 'Invalid query parameter.', { detail });
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
