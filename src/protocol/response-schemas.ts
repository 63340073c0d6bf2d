import * as v from 'valibot';
import { EXIT_REASONS } from './exit-reasons.js';

/**
 * Valibot schemas of every JSON response and event, the one definition of the wire: the server's
 * types are inferred from them, the OpenAPI document is generated from them, and the SDK parses
 * with lenient copies of them (see lenient-schema.ts). Objects are strict: a field the server
 * sends without its schema fails the conformance spec.
 */

const integer = v.pipe(v.number(), v.integer());
const unixSeconds = v.pipe(v.number(), v.integer(), v.description('Unix time, seconds.'));

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

/** The exit fields of a finished process, in wire order: one definition for every answer and event that carries them. */
const exitEntries = {
  exit_code: integer,
  exit_signal: v.optional(v.string()),
  exit_reason: v.picklist(EXIT_REASONS),
  duration_ms: integer,
};
export const ExitFieldsSchema = v.strictObject(exitEntries);
/** The same fields in a status answer: absent while the process runs. */
const exitEntriesOnceExited = {
  exit_code: v.optional(exitEntries.exit_code),
  exit_signal: exitEntries.exit_signal,
  exit_reason: v.optional(exitEntries.exit_reason),
  duration_ms: v.optional(exitEntries.duration_ms),
};

export const ProcessInfoSchema = v.strictObject({
  id: v.pipe(v.string(), v.uuid()),
  command: v.string(),
  workdir: v.optional(v.string()),
  background: v.boolean(),
  running: v.boolean(),
  ...exitEntriesOnceExited,
  exit_signal: v.optional(v.pipe(v.string(), v.description('Signal name, e.g. SIGKILL.'))),
  started_at_unix: unixSeconds,
  exited_at_unix: v.optional(unixSeconds),
  waiting_for_input: v.optional(WaitingForInputSchema),
  listening_ports: v.optional(v.pipe(v.array(integer), v.description('TCP ports the process group listens on, ascending.'))),
});

export const ProcessOutputSchema = v.strictObject({
  output: v.string(),
  truncated: v.optional(TruncationSchema),
  running: v.boolean(),
  ...exitEntriesOnceExited,
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

/** The `data` of each `GET /{id}/stream` event, by event name: text (utf8) or base64 `data` output, a gap, the exit. */
export const StreamEventDataSchemas = {
  output: v.strictObject({ offset: integer, bytes: integer, text: v.optional(v.string()), data: v.optional(v.string()) }),
  gap: v.strictObject({ offset: integer, lost_bytes: integer, resume_at: integer }),
  exit: v.strictObject({ ...exitEntries, next_cursor: integer }),
};

/** The `data` of each events-stream event, by event name (documented as components). */
export const EventDataSchemas = {
  started: v.strictObject({ id: v.string(), command: v.string(), background: v.boolean(), started_at_unix: unixSeconds }),
  exited: v.strictObject({
    id: v.string(),
    ...exitEntries,
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

/** `waiting_for_input` of a status answer. */
export type WaitingForInputWire = v.InferOutput<typeof WaitingForInputSchema>;
/** `ProcessInfo` of the v0 wire, plus the additive exit, input-wait and port fields. */
export type ProcessInfoWire = v.InferOutput<typeof ProcessInfoSchema>;
export type TruncationWire = v.InferOutput<typeof TruncationSchema>;
/** `ProcessOutputResponse` of the v0 wire, plus `exit_signal`, `exit_reason`, `duration_ms` once exited. */
export type ProcessOutputWire = v.InferOutput<typeof ProcessOutputSchema>;
/** The exit fields of a finished process. */
export type ExitFieldsWire = v.InferOutput<typeof ExitFieldsSchema>;
/** Wire data of each events-stream event kind except `lost` (which the stream writes itself). */
export type ProcessEventWire = { [K in Exclude<keyof typeof EventDataSchemas, 'lost'>]: v.InferOutput<(typeof EventDataSchemas)[K]> };
/** `lost` of the events stream: how many events a reader behind the history missed, and where it goes on. */
export type LostEventWire = v.InferOutput<typeof EventDataSchemas.lost>;
/** Wire data of each process-stream event kind. */
export type StreamEventWire = { [K in keyof typeof StreamEventDataSchemas]: v.InferOutput<(typeof StreamEventDataSchemas)[K]> };
