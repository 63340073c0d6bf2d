import * as v from 'valibot';
import { jsonObject, jsonRecord } from './json-object.js';

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

/** Paths one request may add, and the longest path, characters. */
export const MAX_PATHS_PER_REQUEST = 64;
export const MAX_PATH_CHARS = 4096;

/** `POST /api/v0/git/paths` body. Unknown fields are ignored; `null` means absent. */
export const AddPathsBodySchema = jsonObject({
  chat_id: v.optional(v.nullable(v.string())),
  paths: v.pipe(v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_PATH_CHARS))), v.minLength(1), v.maxLength(MAX_PATHS_PER_REQUEST)),
});
