import * as v from 'valibot';
import { SupervisorError, quote } from '../errors.js';
import { API_SIGNALS, type ApiSignal } from '../spawn/signals.js';
import type { StartRequest } from '../supervisor/supervisor.js';

/**
 * Linux refuses a single exec argument over 128 KiB (MAX_ARG_STRLEN), and the command is one
 * argument of `sh -c`; a longer one is refused here with a clear message instead of failing
 * the spawn. The bytes reserved cover procvisor's own prefix.
 */
export const MAX_COMMAND_BYTES = 131_072 - 64;

/** `POST /start` body. Unknown fields are ignored and `null` means absent, as with Go's decoder. */
export const StartBodySchema = v.object({
  command: v.optional(v.nullable(v.string()), ''),
  workdir: v.optional(v.nullable(v.string())),
  env: v.optional(v.nullable(v.record(v.string(), v.string()))),
  background: v.optional(v.nullable(v.boolean())),
});

/** `POST /{id}/signal` body. */
export const SignalBodySchema = v.object({
  signal: v.optional(v.nullable(v.string()), ''),
});

const ENV_NAME = /^[^=\0]+$/;

function invalid(message: string, detail?: string): SupervisorError {
  return new SupervisorError('INVALID_REQUEST', message, detail === undefined ? {} : { detail });
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
  };
}

/** Checks a parsed signal body: `kill` or `terminate`, case-sensitive, as in the reference. */
export function toApiSignal(body: v.InferOutput<typeof SignalBodySchema>): ApiSignal {
  const signal = body.signal ?? '';
  if (signal === '') throw invalid('Signal is required.');
  if (!Object.hasOwn(API_SIGNALS, signal)) {
    throw new SupervisorError('UNSUPPORTED_SIGNAL', `Unsupported signal ${quote(signal)}. Use "kill" or "terminate".`);
  }
  return signal as ApiSignal;
}
