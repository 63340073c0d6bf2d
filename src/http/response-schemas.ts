import * as v from 'valibot';
import type { ErrorCode } from '../errors.js';
import { EXIT_REASONS } from '../ops/exit-reasons.js';
import type { ProcessInfoWire, ProcessOutputWire, TruncationWire } from '../supervisor/process-view.js';
import { STATUS_BY_CODE, type ErrorBody } from './error-middleware.js';

/**
 * Valibot schemas of every JSON response, the source of the OpenAPI document's response
 * schemas. Objects are strict: a field added to a wire type without its schema fails the
 * conformance spec. The type checks at the bottom keep them in step with process-view.ts.
 */

const integer = v.pipe(v.number(), v.integer());
const unixSeconds = v.pipe(v.number(), v.integer(), v.description('Unix time, seconds.'));

/** Every ErrorCode, from the status table (a Record over ErrorCode, so it is complete). */
export const ERROR_CODES = Object.keys(STATUS_BY_CODE) as [ErrorCode, ...ErrorCode[]];

export const ErrorBodySchema = v.strictObject({
  message: v.string(),
  detail: v.optional(v.string()),
  code: v.picklist(ERROR_CODES),
});

export const TruncationSchema = v.strictObject({
  original_bytes: integer,
  retained_bytes: integer,
  omitted_bytes: integer,
  strategy: v.literal('head_tail'),
});

export const ProcessInfoSchema = v.strictObject({
  id: v.pipe(v.string(), v.uuid()),
  command: v.string(),
  workdir: v.optional(v.string()),
  background: v.boolean(),
  running: v.boolean(),
  exit_code: v.optional(integer),
  exit_signal: v.optional(v.pipe(v.string(), v.description('Signal name, e.g. SIGKILL.'))),
  exit_reason: v.optional(v.picklist(EXIT_REASONS)),
  duration_ms: v.optional(integer),
  started_at_unix: unixSeconds,
  exited_at_unix: v.optional(unixSeconds),
});

export const ProcessOutputSchema = v.strictObject({
  output: v.string(),
  truncated: v.optional(TruncationSchema),
  running: v.boolean(),
  exit_code: v.optional(integer),
  exit_signal: v.optional(v.string()),
  exit_reason: v.optional(v.picklist(EXIT_REASONS)),
  duration_ms: v.optional(integer),
});

/** `GET /{id}/output` with procvisor's wait and cursor parameters: the v0 body plus these. */
export const GrepSchema = v.strictObject({
  lines: v.array(v.strictObject({ line: integer, text: v.string(), match: v.boolean() })),
  matches: integer,
  more: v.boolean(),
  scanned_bytes: integer,
  gap_bytes: integer,
});

export const OutputResponseSchema = v.strictObject({
  ...ProcessOutputSchema.entries,
  output: v.optional(v.pipe(v.string(), v.description('Absent with omit_output=true.'))),
  wait_result: v.optional(v.picklist(['exited', 'output', 'match', 'quiet', 'timeout'])),
  match: v.optional(v.strictObject({ text: v.string(), offset: integer })),
  delta: v.optional(v.strictObject({ cursor: integer, text: v.string(), gap_bytes: integer, has_more: v.boolean() })),
  grep: v.optional(GrepSchema),
  lines: v.optional(v.strictObject({ first: integer, last: integer, text: v.string(), more: v.boolean(), gap_bytes: integer })),
  next_cursor: v.optional(integer),
});

export const StartResponseSchema = v.strictObject({
  id: v.pipe(v.string(), v.uuid()),
  started: v.boolean(),
  attached: v.optional(v.literal(true)),
  client_token: v.optional(v.string()),
});
export const InputResponseSchema = v.strictObject({ bytes: integer, eof: v.boolean() });
export const ResizeResponseSchema = v.strictObject({ cols: integer, rows: integer });
export const AddPathsResponseSchema = v.strictObject({ chat_ids: v.array(v.string()), paths: v.array(v.string()) });
/** `GET /{id}/stream`: Server-Sent Events (see the README for the event types). */
export const EventStreamSchema = v.pipe(v.string(), v.description('text/event-stream: `output`, `gap` and `exit` events; each `id` is a resume cursor.'));
export const ListResponseSchema = v.strictObject({ processes: v.array(ProcessInfoSchema) });
export const SignalResponseSchema = v.strictObject({ message: v.string() });
export const HealthSchema = v.strictObject({ status: v.picklist(['ok', 'shutting_down']) });

/** `GET /metrics`: Prometheus text exposition format 0.0.4. */
export const MetricsTextSchema = v.pipe(v.string(), v.description('Prometheus text exposition format 0.0.4.'));
/** `GET /api/v0/openapi.json`: this document. */
export const OpenApiDocumentSchema = v.pipe(v.looseObject({ openapi: v.string() }), v.description('This OpenAPI 3.1 document.'));

/** Same keys, and every value the schema accepts is a valid wire value. */
type Matches<TSchema, TWire> = [keyof TSchema] extends [keyof TWire]
  ? [keyof TWire] extends [keyof TSchema]
    ? TSchema extends TWire
      ? true
      : false
    : false
  : false;
const _inStep: [
  Matches<v.InferOutput<typeof ProcessInfoSchema>, ProcessInfoWire>,
  Matches<v.InferOutput<typeof ProcessOutputSchema>, ProcessOutputWire>,
  Matches<v.InferOutput<typeof TruncationSchema>, TruncationWire>,
  Matches<v.InferOutput<typeof ErrorBodySchema>, ErrorBody>,
] = [true, true, true, true];
