import * as v from 'valibot';
import type { ErrorCode } from '../errors.js';
import { EXIT_REASONS } from '../ops/exit-reasons.js';
import type { ProcessEventWire } from '../supervisor/process-events.js';
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

/** `waiting_for_input`: a process blocked reading its stdin or terminal. */
export const WaitingForInputSchema = v.strictObject({
  since_ms: v.pipe(integer, v.description('How long it has waited, ms, counted from its last output or input.')),
  prompt: v.pipe(v.string(), v.description('The last line it wrote, partial or complete, without terminal escapes (at most 256 characters).')),
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
  waiting_for_input: v.optional(WaitingForInputSchema),
  listening_ports: v.optional(v.pipe(v.array(integer), v.description('TCP ports the process group listens on, ascending.'))),
});

export const ProcessOutputSchema = v.strictObject({
  output: v.string(),
  truncated: v.optional(TruncationSchema),
  running: v.boolean(),
  exit_code: v.optional(integer),
  exit_signal: v.optional(v.string()),
  exit_reason: v.optional(v.picklist(EXIT_REASONS)),
  duration_ms: v.optional(integer),
  waiting_for_input: v.optional(WaitingForInputSchema),
});

/** `GET /{id}/output` with procvisor's wait and cursor parameters: the v0 body plus these. */
export const GrepSchema = v.strictObject({
  lines: v.array(v.strictObject({ line: integer, text: v.string(), match: v.boolean() })),
  matches: integer,
  more: v.boolean(),
  scanned_bytes: integer,
  gap_bytes: integer,
});

/** `error_lines`: error-looking lines of a byte range (see findErrorLines). */
export const ErrorLinesSchema = v.strictObject({
  lines: v.array(v.strictObject({ line: integer, text: v.string() })),
  more: integer,
  scanned_bytes: integer,
});

export const OutputResponseSchema = v.strictObject({
  ...ProcessOutputSchema.entries,
  output: v.optional(v.pipe(v.string(), v.description('Absent with omit_output=true.'))),
  wait_result: v.optional(v.picklist(['exited', 'output', 'match', 'quiet', 'input', 'port', 'http', 'timeout'])),
  match: v.optional(v.strictObject({ text: v.string(), offset: integer })),
  http_status: v.optional(v.pipe(integer, v.description('The status the HTTP probe of wait=http got.'))),
  listening_ports: v.optional(v.pipe(v.array(integer), v.description('With wait=port or wait=http: the ports the group listens on.'))),
  delta: v.optional(v.strictObject({ cursor: integer, text: v.string(), gap_bytes: integer, has_more: v.boolean() })),
  grep: v.optional(GrepSchema),
  error_lines: v.optional(ErrorLinesSchema),
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
/** `GET /events`: Server-Sent Events of every visible process's start, exit, input wait and listening ports. */
export const ProcessEventsSchema = v.pipe(
  v.string(),
  v.description('text/event-stream: `started`, `exited`, `waiting_for_input`, `listening` events (and `lost`); each `id` is a sequence number for Last-Event-ID.'),
);

/** The `data` of each events-stream event, by event name (documented as components). */
export const EventDataSchemas = {
  started: v.strictObject({ id: v.string(), command: v.string(), background: v.boolean(), started_at_unix: unixSeconds }),
  exited: v.strictObject({
    id: v.string(),
    exit_code: integer,
    exit_signal: v.optional(v.string()),
    exit_reason: v.picklist(EXIT_REASONS),
    duration_ms: integer,
    last_lines: v.pipe(v.array(v.string()), v.description('The last lines of output (at most 10 lines, 2048 characters).')),
  }),
  waiting_for_input: v.strictObject({ id: v.string(), prompt: v.string() }),
  listening: v.strictObject({ id: v.string(), ports: v.array(integer) }),
  lost: v.strictObject({ lost_events: integer, resume_at: integer }),
};

export const ListResponseSchema = v.strictObject({ processes: v.array(ProcessInfoSchema) });
export const SignalResponseSchema = v.strictObject({ message: v.string() });
export const HealthSchema = v.strictObject({ status: v.picklist(['ok', 'shutting_down']) });
/** `POST /api/v0/auth/ticket`. */
export const TicketResponseSchema = v.strictObject({ ticket: v.string(), expires_in_ms: v.number() });

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
  Matches<v.InferOutput<typeof EventDataSchemas.started>, ProcessEventWire['started']>,
  Matches<v.InferOutput<typeof EventDataSchemas.exited>, ProcessEventWire['exited']>,
  Matches<v.InferOutput<typeof EventDataSchemas.waiting_for_input>, ProcessEventWire['waiting_for_input']>,
  Matches<v.InferOutput<typeof EventDataSchemas.listening>, ProcessEventWire['listening']>,
] = [true, true, true, true, true, true, true, true];
