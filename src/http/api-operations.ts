import * as v from 'valibot';
import type { OpenApiOptions, OperationSpec, ParameterSpec, ResponseSpec } from './openapi.js';
import {
  ErrorBodySchema,
  HealthSchema,
  ListResponseSchema,
  MetricsTextSchema,
  OpenApiDocumentSchema,
  ProcessInfoSchema,
  ProcessOutputSchema,
  SignalResponseSchema,
  StartResponseSchema,
  TruncationSchema,
} from './response-schemas.js';
import { SignalBodySchema, StartBodySchema } from './schemas.js';

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
      { name: 'wait', in: 'query', description: 'Exactly `true` to block until exit (then 200 with running: true if the cap passed).', schema: v.string() },
      ...CHAT_HEADERS,
    ],
    responses: {
      200: { description: 'Output (head and tail when truncated) and status.', schema: ProcessOutputSchema },
      400: BAD_CHAT,
      404: error('Unknown id, or another chat\'s process (PROCESS_NOT_FOUND).'),
    },
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
    components: {
      StartRequest: StartBodySchema,
      SignalRequest: SignalBodySchema,
      StartResponse: StartResponseSchema,
      ListResponse: ListResponseSchema,
      ProcessInfo: ProcessInfoSchema,
      ProcessOutput: ProcessOutputSchema,
      Truncation: TruncationSchema,
      SignalResponse: SignalResponseSchema,
      Health: HealthSchema,
      Error: ErrorBodySchema,
    },
  };
}
