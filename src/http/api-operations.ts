import * as v from 'valibot';
import type { OpenApiOptions, OperationSpec, ParameterSpec, ResponseSpec } from './openapi.js';
import { ErrorBodySchema } from '../protocol/error-body.js';
import {
  HealthSchema,
  ListResponseSchema,
  MetricsTextSchema,
  OpenApiDocumentSchema,
  ProcessInfoSchema,
  ProcessOutputSchema,
  OutputResponseSchema,
  InputResponseSchema,
  ResizeResponseSchema,
  AddPathsResponseSchema,
  EventStreamSchema,
  EventDataSchemas,
  ProcessEventsSchema,
  WaitingForInputSchema,
  SignalResponseSchema,
  StartResponseSchema,
  TruncationSchema,
  TicketResponseSchema,
} from '../protocol/response-schemas.js';
import { AddPathsBodySchema, InputBodySchema, ResizeBodySchema, SignalBodySchema, StartBodySchema } from '../protocol/request-schemas.js';

/**
 * Every route of the HTTP API as the OpenAPI document describes it. A route registered in a
 * Koa router and missing here fails spec/http/openapi.spec.ts, so add a feature's routes here
 * (or concatenate its own list in app.ts) together with the router.
 */

const error = (description: string): ResponseSpec => ({ description, schema: ErrorBodySchema });

const CHAT_HEADERS: ParameterSpec[] = [
  {
    name: 'Coder-Chat-Id',
    in: 'header',
    description: 'The calling chat (a UUID). A chat sees and signals only its own processes; absent or the nil UUID means no chat.',
    schema: v.string(),
  },
  {
    name: 'Coder-Ancestor-Chat-Ids',
    in: 'header',
    description: "JSON array of the chat's ancestor chat UUIDs; invalid entries are ignored.",
    schema: v.string(),
  },
];
const ID: ParameterSpec = { name: 'id', in: 'path', description: 'Process id, as returned by POST /start.', schema: v.string() };
const TICKET: ParameterSpec = {
  name: 'ticket',
  in: 'query',
  description: 'Instead of the Authorization header (browsers): a ticket from POST /api/v0/auth/ticket, valid once for 30 s.',
  schema: v.string(),
};
const BAD_CHAT = error('Malformed Coder-Chat-Id header (INVALID_CHAT_ID).');
const PROCESSES = '/api/v0/processes';

export const API_OPERATIONS: readonly OperationSpec[] = [
  {
    method: 'post',
    path: `${PROCESSES}/start`,
    operationId: 'startProcess',
    tag: 'processes',
    summary: 'Run `sh -c <command>` in its own process group.',
    description: 'Answers once the process runs. Unknown body fields are ignored; null means absent.',
    parameters: CHAT_HEADERS,
    requestBody: StartBodySchema,
    responses: {
      200: { description: 'The process runs.', schema: StartResponseSchema },
      400: error('Bad JSON, a field of the wrong type, a missing command, or a bad chat header.'),
      413: error('Body larger than maxBodyBytes.'),
      500: error('The spawn failed (SPAWN_FAILED), or the service is shutting down (SUPERVISOR_CLOSED).'),
    },
  },
  {
    method: 'get',
    path: `${PROCESSES}/list`,
    operationId: 'listProcesses',
    tag: 'processes',
    summary: 'Running processes first, then newest first; at most listLimit entries.',
    parameters: CHAT_HEADERS,
    responses: { 200: { description: 'The processes.', schema: ListResponseSchema }, 400: BAD_CHAT },
  },
  {
    method: 'get',
    path: `${PROCESSES}/{id}/output`,
    operationId: 'getProcessOutput',
    tag: 'processes',
    summary: 'Output and status; with wait=true, blocks until the process exited and its output drained (capped at maxWaitMs).',
    parameters: [
      ID,
      {
        name: 'wait',
        in: 'query',
        description:
          '`true` or `exit`: block until exit; `output`: until output after `cursor`; `match`: until `pattern` matches; `quiet`: until no output for `quiet_ms`; `input`: until the process waits for input (stdin or pty; 409 STDIN_NOT_OPEN otherwise); `port`: until the group listens on `port` (or any port); `http`: until a GET of `path` on `port` (loopback) answers a status in `status`. Other values: no wait. input/port/http answer 501 WATCH_UNAVAILABLE where /proc is not watched.',
        schema: v.string(),
      },
      { name: 'port', in: 'query', description: 'TCP port (1-65535) for wait=port (optional: any port) and wait=http (required).', schema: v.string() },
      { name: 'path', in: 'query', description: 'Path the wait=http probe requests (default `/`, at most 1024 characters).', schema: v.string() },
      { name: 'status', in: 'query', description: 'Status or range the wait=http probe accepts, e.g. `200` or `200-399` (the default).', schema: v.string() },
      { name: 'cursor', in: 'query', description: 'Byte offset: return `delta` from here (and, for wait=output/match, wait after it).', schema: v.string() },
      { name: 'pattern', in: 'query', description: 'Pattern for wait=match, RE2 syntax (linear-time; `^`/`$` match at line ends; at most 1024 characters). Searched over the whole output from `cursor` (spill file), not only the stream window.', schema: v.string() },
      { name: 'quiet_ms', in: 'query', description: 'Silence to wait for with wait=quiet.', schema: v.string() },
      { name: 'timeout_ms', in: 'query', description: 'Client limit of the wait (the server cap maxWaitMs still applies).', schema: v.string() },
      { name: 'limit', in: 'query', description: 'Most bytes of `delta` (at most 65536).', schema: v.string() },
      { name: 'grep', in: 'query', description: 'Pattern (RE2) searched over the whole output: `grep` lists matching lines with line numbers and context (bounded).', schema: v.string() },
      { name: 'context', in: 'query', description: 'Lines of context around each grep match (default 2, at most 10).', schema: v.string() },
      { name: 'max_matches', in: 'query', description: 'Matching lines a grep lists at most (default 20, at most 200).', schema: v.string() },
      { name: 'lines', in: 'query', description: '`FIRST-LAST` (1-based, inclusive): those lines of the whole output in `lines` (at most 1000 lines and 64 KiB).', schema: v.string() },
      { name: 'error_lines', in: 'query', description: '`FROM-TO` (byte offsets, TO exclusive): the lines starting there that look like errors (RE2 heuristic: error/Error/FAIL/failed/failing/fatal/panic/Traceback/Exception words, `…Error`/`…Exception` names), with line numbers, in `error_lines` (at most 20 lines, the rest counted in `more`; at most 64 MiB searched).', schema: v.string() },
      { name: 'omit_output', in: 'query', description: '`true`: leave the head+tail `output` and `truncated` out (for cursor, match and grep reads).', schema: v.string() },
      ...CHAT_HEADERS,
    ],
    responses: {
      200: { description: 'Output (head and tail when truncated) and status; with procvisor parameters also wait_result, match, delta, grep, lines, next_cursor (and no output with omit_output=true).', schema: OutputResponseSchema },
      400: error('A bad chat header or query parameter.'),
      404: error('Unknown id, or another chat\'s process (PROCESS_NOT_FOUND).'),
      409: error('wait=input for a process started without stdin or pty (STDIN_NOT_OPEN).'),
      501: error('wait=input, port or http where the service does not watch /proc (WATCH_UNAVAILABLE).'),
    },
  },
  {
    method: 'get',
    path: `${PROCESSES}/events`,
    operationId: 'streamProcessEvents',
    tag: 'processes',
    summary: 'Server-Sent Events of process starts, exits, input waits and listening ports, scoped like list; resumable with Last-Event-ID.',
    description:
      'Events: `started` (StartedEvent), `exited` (ExitedEvent, with the last lines), `waiting_for_input` (WaitingForInputEvent), `listening` (ListeningEvent), and `lost` (LostEvent) when the reader is behind the history (maxEventHistory, 1000 events). Without Last-Event-ID or `after`, only events after the request are sent.',
    parameters: [{ name: 'after', in: 'query', description: 'Replay the events after this id (0: the whole history); overrides Last-Event-ID.', schema: v.string() }, ...CHAT_HEADERS],
    responses: {
      200: { description: 'The event stream.', schema: ProcessEventsSchema, mediaType: 'text/event-stream' },
      400: error('A bad chat header or query parameter.'),
      500: error('The service is shutting down (SUPERVISOR_CLOSED).'),
      503: error('Too many open event streams (TOO_MANY_CLIENTS).'),
    },
  },
  {
    method: 'get',
    path: `${PROCESSES}/{id}/stream`,
    operationId: 'streamProcessOutput',
    tag: 'processes',
    summary: 'Server-Sent Events of the output from a cursor (`cursor` or Last-Event-ID), with gap and exit events.',
    parameters: [
      ID,
      { name: 'cursor', in: 'query', description: 'Byte offset to start from (default 0).', schema: v.string() },
      { name: 'encoding', in: 'query', description: '`utf8` (default: `text`) or `base64` (exact bytes in `data`).', schema: v.string() },
      TICKET,
      ...CHAT_HEADERS,
    ],
    responses: {
      200: { description: 'The event stream.', schema: EventStreamSchema, mediaType: 'text/event-stream' },
      204: { description: 'Nothing to send: the process exited and the given cursor (Last-Event-ID or `cursor`) is at the end of its output. EventSource stops reconnecting.' },
      400: error('A bad chat header or query parameter.'),
      404: error('Unknown id, or another chat\'s process (PROCESS_NOT_FOUND).'),
    },
  },
  {
    method: 'post',
    path: `${PROCESSES}/{id}/input`,
    operationId: 'sendProcessInput',
    tag: 'processes',
    summary: 'Write `text` (UTF-8) or `data` (base64) to stdin or the terminal; `eof` closes stdin (Ctrl-D on a terminal).',
    parameters: [ID, ...CHAT_HEADERS],
    requestBody: InputBodySchema,
    responses: {
      200: { description: 'Written.', schema: InputResponseSchema },
      400: error('Bad JSON or empty input.'),
      404: error('Unknown id, or another chat\'s process (PROCESS_NOT_FOUND).'),
      409: error('Not running, started without stdin (STDIN_NOT_OPEN), or stdin closed (STDIN_CLOSED).'),
      413: error('Body larger than maxBodyBytes.'),
    },
  },
  {
    method: 'post',
    path: `${PROCESSES}/{id}/resize`,
    operationId: 'resizeProcessTerminal',
    tag: 'processes',
    summary: 'Resize the terminal of a process started with `pty`.',
    parameters: [ID, ...CHAT_HEADERS],
    requestBody: ResizeBodySchema,
    responses: {
      200: { description: 'Resized.', schema: ResizeResponseSchema },
      400: error('Bad JSON or size.'),
      404: error('Unknown id, or another chat\'s process (PROCESS_NOT_FOUND).'),
      409: error('Not running, or no terminal (NOT_A_TERMINAL).'),
      413: error('Body larger than maxBodyBytes.'),
    },
  },
  {
    method: 'post',
    path: '/api/v0/git/paths',
    operationId: 'addGitPaths',
    tag: 'git',
    summary: 'Add paths for git watch to a chat (and its ancestors).',
    parameters: CHAT_HEADERS,
    requestBody: AddPathsBodySchema,
    responses: {
      200: { description: 'The chats and the accepted, normalized paths.', schema: AddPathsResponseSchema },
      400: error('Bad JSON, bad paths, or a bad chat header.'),
      404: error('Another chat named by a chat caller (CHAT_NOT_FOUND).'),
      413: error('Body larger than maxBodyBytes.'),
    },
  },
  {
    method: 'get',
    path: '/api/v0/git/watch',
    operationId: 'watchGit',
    tag: 'git',
    summary: 'WebSocket of git changes for `chat_id` (see the README); a plain GET answers 426.',
    parameters: [{ name: 'chat_id', in: 'query', description: 'The chat to watch (a UUID).', schema: v.string() }, TICKET, ...CHAT_HEADERS],
    responses: { 426: error('Not a WebSocket upgrade (UPGRADE_REQUIRED).') },
  },
  {
    method: 'post',
    path: `${PROCESSES}/{id}/signal`,
    operationId: 'signalProcess',
    tag: 'processes',
    summary: 'Send SIGKILL (`kill`) or SIGTERM (`terminate`) to the whole process group.',
    parameters: [ID, ...CHAT_HEADERS],
    requestBody: SignalBodySchema,
    responses: {
      200: { description: 'The signal was sent.', schema: SignalResponseSchema },
      400: error('Bad JSON, missing or unsupported signal, or a bad chat header.'),
      404: error('Unknown id, or another chat\'s process (PROCESS_NOT_FOUND).'),
      409: error('The process is not running (PROCESS_NOT_RUNNING).'),
      413: error('Body larger than maxBodyBytes.'),
      500: error('The OS refused the signal (SIGNAL_FAILED).'),
    },
  },
  {
    method: 'post',
    path: '/api/v0/auth/ticket',
    operationId: 'createTicket',
    tag: 'operations',
    summary: 'A single-use ticket (30 s) for a browser EventSource or WebSocket: `?ticket=` on a process stream or git watch.',
    description: 'Needs the bearer token. Keeps the long-lived token out of URLs and logs. The request body is ignored.',
    responses: { 200: { description: 'The ticket.', schema: TicketResponseSchema } },
  },
  {
    method: 'get',
    path: '/healthz',
    operationId: 'health',
    tag: 'operations',
    public: true,
    summary: 'Liveness: 200 while serving, 503 once shutting down. Needs no token.',
    responses: {
      200: { description: 'Serving.', schema: HealthSchema },
      503: { description: 'Shutting down.', schema: HealthSchema },
    },
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    tag: 'operations',
    summary: 'Prometheus metrics of the service and of its Node process.',
    responses: { 200: { description: 'Prometheus text format.', schema: MetricsTextSchema, mediaType: 'text/plain' } },
  },
  {
    method: 'get',
    path: '/api/v0/openapi.json',
    operationId: 'openApiDocument',
    tag: 'operations',
    summary: 'This document.',
    responses: { 200: { description: 'OpenAPI 3.1 document.', schema: OpenApiDocumentSchema } },
  },
];

/** The options for buildOpenApiDocument: the named schemas, and the 401 answer. */
export function apiDocumentOptions(auth: boolean): OpenApiOptions {
  return {
    auth,
    unauthorized: error('Missing or wrong bearer token (UNAUTHORIZED); the WWW-Authenticate header says which.'),
    forbidden: error('A Host that is not loopback, the configured host or in allowedHosts (HOST_NOT_ALLOWED), or an Origin that is not the service\'s own or in allowedOrigins (ORIGIN_NOT_ALLOWED).'),
    components: {
      StartRequest: StartBodySchema,
      SignalRequest: SignalBodySchema,
      StartResponse: StartResponseSchema,
      ListResponse: ListResponseSchema,
      ProcessInfo: ProcessInfoSchema,
      ProcessOutput: ProcessOutputSchema,
      OutputResponse: OutputResponseSchema,
      InputRequest: InputBodySchema,
      InputResponse: InputResponseSchema,
      ResizeRequest: ResizeBodySchema,
      ResizeResponse: ResizeResponseSchema,
      AddPathsRequest: AddPathsBodySchema,
      AddPathsResponse: AddPathsResponseSchema,
      Truncation: TruncationSchema,
      WaitingForInput: WaitingForInputSchema,
      StartedEvent: EventDataSchemas.started,
      ExitedEvent: EventDataSchemas.exited,
      WaitingForInputEvent: EventDataSchemas.waiting_for_input,
      ListeningEvent: EventDataSchemas.listening,
      LostEvent: EventDataSchemas.lost,
      SignalResponse: SignalResponseSchema,
      Health: HealthSchema,
      TicketResponse: TicketResponseSchema,
      Error: ErrorBodySchema,
    },
  };
}
