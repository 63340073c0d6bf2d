import { Router } from '@koa/router';
import { ProcvisorError, quote } from '../errors.js';
import { API_SIGNALS } from '../spawn/signals.js';
import { findErrorLines } from '../supervisor/error-lines.js';
import { grepOutput } from '../supervisor/output-grep.js';
import { readLineRange } from '../supervisor/output-lines.js';
import type { WaitResult } from '../supervisor/output-wait.js';
import type { ProcessRecord } from '../supervisor/process-record.js';
import { toProcessInfo, toProcessOutput } from '../supervisor/process-view.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { RequestState } from '../web/chat-context.js';
import type { RouteContext } from './route-context.js';
import { sendJson } from '../web/json.js';
import { answerAtExit, writeExitedAnswer } from './exited-answer.js';
import { MAX_DELTA_BYTES, firstValues, parseOutputQuery, type OutputQuery } from './output-query.js';
import { readJsonBody } from '../web/request-body.js';
import { InputBodySchema, ResizeBodySchema, SignalBodySchema, StartBodySchema } from '../protocol/request-schemas.js';
import { toApiSignal, toInput, toStartRequest } from './request-checks.js';
import { handleStream } from './stream-route.js';
import { MAX_EVENT_STREAMS, handleEvents, type EventStreamCount } from './events-route.js';
import { portsOf } from '../supervisor/port-watch.js';

export interface ProcessRouteDeps {
  supervisor: Supervisor;
  /** Server cap of a blocking wait (`?wait=true` and the other waits). */
  maxWaitMs: number;
  maxBodyBytes: number;
  /** Open event streams at most (MAX_EVENT_STREAMS by default). */
  maxEventStreams?: number;
}

const SNAPSHOT_QUERY: OutputQuery = { condition: null, timeoutMs: null, cursor: null, limit: MAX_DELTA_BYTES, grep: null, lines: null, errorLines: null, omitOutput: false, extended: false };
const EXIT_WAIT_QUERY: OutputQuery = { ...SNAPSHOT_QUERY, condition: { kind: 'exit' } };

/**
 * The process API, mounted at `/api/v0/processes`, as two routers: `GET /{id}/output` alone
 * (the route pollers and long polls hit; @koa/router tests a request against every route of a
 * router, so alone it costs one match instead of eight), then the rest. Mount them in this
 * order. Handlers are thin: parse, call, map.
 */
export function createProcessRouters(deps: ProcessRouteDeps): Router<RequestState>[] {
  const output = new Router<RequestState>({ prefix: '/api/v0/processes' });
  output.get('/:id/output', (ctx) => handleOutput(ctx as RouteContext, deps));
  const router = new Router<RequestState>({ prefix: '/api/v0/processes' });
  const eventStreams: EventStreamCount = { open: 0, max: deps.maxEventStreams ?? MAX_EVENT_STREAMS };
  router.post('/start', (ctx) => handleStart(ctx as RouteContext, deps));
  router.get('/list', (ctx) => handleList(ctx as RouteContext, deps));
  router.get('/events', (ctx) => handleEvents(ctx as RouteContext, deps.supervisor, eventStreams));
  router.get('/:id/stream', (ctx) => handleStream(ctx as RouteContext, deps.supervisor));
  router.post('/:id/signal', (ctx) => handleSignal(ctx as RouteContext, deps));
  router.post('/:id/input', (ctx) => handleInput(ctx as RouteContext, deps));
  router.post('/:id/resize', (ctx) => handleResize(ctx as RouteContext, deps));
  return [output, router];
}

async function handleStart(ctx: RouteContext, deps: ProcessRouteDeps): Promise<void> {
  const request = toStartRequest(await readJsonBody(ctx, StartBodySchema, deps.maxBodyBytes));
  const { record, attached } = await deps.supervisor.startOrAttach(request, ctx.state.chat);
  if (request.clientToken === undefined) {
    sendJson(ctx, 200, { id: record.info.id, started: true });
    return;
  }
  sendJson(ctx, 200, { id: record.info.id, started: !attached, ...(attached ? { attached: true } : {}), client_token: request.clientToken });
}

function handleList(ctx: RouteContext, deps: ProcessRouteDeps): void {
  const now = deps.supervisor.clockSource.now();
  const processes = deps.supervisor.list(ctx.state.chat.chatId).map((record) => toProcessInfo(record, now));
  sendJson(ctx, 200, { processes });
}

/**
 * Snapshot, or a blocking wait first: `wait=true` (the reference's: until the process exited
 * and its output drained) or one of procvisor's conditions (new output, a pattern, quiet). A
 * wait ends on its condition, the exit, the client's `timeout_ms` or the server cap (then 200
 * with `running: true`), or when the client goes away (the waiter is released).
 */
async function handleOutput(ctx: RouteContext, deps: ProcessRouteDeps): Promise<void> {
  const record = deps.supervisor.get(ctx.params.id ?? '', ctx.state.chat.chatId);
  // The reference's two shapes skip query parsing (measured: valibot's pass is a fifth of a small request).
  const query =
    ctx.querystring === '' ? SNAPSHOT_QUERY : ctx.querystring === 'wait=true' ? EXIT_WAIT_QUERY : parseOutputQuery(firstValues(ctx.query), record.snapshot.context.buffer.totalBytes);
  let waited: WaitResult | null = null;
  if (query.condition?.kind === 'exit' && !query.extended && record.running) {
    // The reference's long poll: the exit writes the shared answer onto the response directly.
    const outcome = await answerAtExit(ctx.res, record, Math.min(query.timeoutMs ?? deps.maxWaitMs, deps.maxWaitMs), deps.supervisor.clockSource);
    if (outcome === 'answered') {
      ctx.respond = false;
      return;
    }
    if (outcome === 'aborted') {
      clientLeft(ctx, record);
      return;
    }
  } else if (query.condition !== null) {
    checkWatchable(deps.supervisor, record, query);
    waited = await waitWhileConnected(ctx, deps, record, query);
    if (waited.result === 'aborted') return;
  }
  if (!query.extended && !record.running) {
    // An exited process's answer never changes: encoded once, written as is (pollers of
    // finished processes and woken long polls all get the same bytes).
    writeExitedAnswer(ctx.res, record);
    ctx.respond = false;
    return;
  }
  // Status first, then output (toProcessOutput reads the snapshot once, in that order).
  const body = toProcessOutput(record, deps.supervisor.clockSource.now());
  if (!query.extended) {
    sendJson(ctx, 200, body);
    return;
  }
  const output = record.snapshot.context.buffer;
  const grep = query.grep === null ? null : await whileConnected(ctx, (signal) => grepOutput(output, query.grep!.pattern, query.grep!.options, signal));
  if (grep?.aborted) return;
  const lines = query.lines === null ? null : await whileConnected(ctx, (signal) => readLineRange(output, query.lines!.first, query.lines!.last, undefined, signal));
  if (lines?.aborted) return;
  const errorLines = query.errorLines === null ? null : await whileConnected(ctx, (signal) => findErrorLines(output, query.errorLines!.from, query.errorLines!.to, signal));
  if (errorLines?.aborted) return;
  const delta = query.cursor === null ? null : output.read(query.cursor, query.limit);
  const { output: text, truncated, ...status } = body;
  sendJson(ctx, 200, {
    ...(query.omitOutput ? {} : { output: text, ...(truncated ? { truncated } : {}) }),
    ...status,
    ...(grep ? { grep: grep.result } : {}),
    ...(lines ? { lines: lines.result } : {}),
    ...(errorLines ? { error_lines: errorLines.result } : {}),
    ...(waited ? { wait_result: waited.result } : {}),
    ...(waited?.result === 'match' ? { match: waited.match } : {}),
    ...(waited?.result === 'http' ? { http_status: waited.httpStatus } : {}),
    ...(query.condition?.kind === 'port' || query.condition?.kind === 'http' ? { listening_ports: portsOf(record.listening) } : {}),
    ...(delta
      ? { delta: { cursor: delta.from, text: delta.data.toString('utf8'), gap_bytes: delta.gapBytes, has_more: delta.to < output.window.end } }
      : {}),
    next_cursor: delta ? delta.to : output.totalBytes,
  });
}

/**
 * Input, port and http waits need the process watch (WATCH_UNAVAILABLE without it); an input
 * wait needs a process that can read input (STDIN_NOT_OPEN: it would never end).
 */
function checkWatchable(supervisor: Supervisor, record: ProcessRecord, query: OutputQuery): void {
  const kind = query.condition?.kind;
  if (kind !== 'input' && kind !== 'port' && kind !== 'http') return;
  if (!supervisor.watchesProcesses) {
    throw new ProcvisorError('WATCH_UNAVAILABLE', `wait=${kind} is not available on this service.`, {
      detail: 'It needs Linux /proc and the processWatch setting on.',
    });
  }
  if (kind === 'input' && record.running && !record.info.stdin) {
    throw new ProcvisorError('STDIN_NOT_OPEN', `Process ${quote(record.info.id)} was not started with stdin open.`, {
      detail: 'Only a process started with "stdin": true or "pty" can wait for input.',
    });
  }
}

/** Runs a whole-output read (grep, line range), stopped (aborted: true, nothing sent) when the client goes away. */
async function whileConnected<T>(ctx: RouteContext, read: (signal: AbortSignal) => Promise<T>): Promise<{ result: T; aborted: boolean }> {
  const abort = new AbortController();
  const onClose = (): void => {
    if (!ctx.res.writableFinished) abort.abort();
  };
  ctx.res.once('close', onClose);
  try {
    const result = await read(abort.signal);
    if (abort.signal.aborted) {
      ctx.respond = false;
      ctx.status = 499;
    }
    return { result, aborted: abort.signal.aborted };
  } finally {
    ctx.res.off('close', onClose);
  }
}

async function waitWhileConnected(ctx: RouteContext, deps: ProcessRouteDeps, record: ProcessRecord, query: OutputQuery): Promise<WaitResult> {
  const abort = new AbortController();
  // `res` 'close' before the response finished means the client went away. (`req` 'close'
  // has already fired for a request whose body was read, so it cannot tell.)
  const onClose = (): void => {
    if (!ctx.res.writableFinished) abort.abort();
  };
  ctx.res.once('close', onClose);
  try {
    const timeoutMs = Math.min(query.timeoutMs ?? deps.maxWaitMs, deps.maxWaitMs);
    const result = await deps.supervisor.waitFor(record, query.condition ?? { kind: 'exit' }, timeoutMs, abort.signal);
    if (result.result === 'aborted') clientLeft(ctx, record);
    return result;
  } finally {
    ctx.res.off('close', onClose);
  }
}

/** Nobody is listening: write nothing, and log the nginx-style 499 "client closed request". */
function clientLeft(ctx: RouteContext, record: ProcessRecord): void {
  ctx.state.log.debug({ process_id: record.info.id }, 'client left a blocking wait');
  ctx.respond = false;
  ctx.status = 499;
}

async function handleSignal(ctx: RouteContext, deps: ProcessRouteDeps): Promise<void> {
  const id = ctx.params.id ?? '';
  // Isolation comes before body parsing, as in the reference.
  deps.supervisor.assertNotForeign(id, ctx.state.chat.chatId);
  const body = await readJsonBody(ctx, SignalBodySchema, deps.maxBodyBytes);
  const signal = toApiSignal(body);
  const graceMs = body.grace_ms ?? null;
  if (graceMs !== null && signal !== 'terminate') {
    throw new ProcvisorError('INVALID_REQUEST', '"grace_ms" goes with "terminate" only.', { detail: `Got signal ${quote(signal)}.` });
  }
  try {
    if (graceMs !== null) deps.supervisor.terminate(id, graceMs, ctx.state.chat.chatId);
    else deps.supervisor.signal(id, API_SIGNALS[signal], ctx.state.chat.chatId);
  } catch (error) {
    if (error instanceof ProcvisorError && error.code === 'SIGNAL_FAILED') {
      throw new ProcvisorError('SIGNAL_FAILED', error.message, { cause: error, detail: `${signal} process: ${error.detail ?? ''}` });
    }
    throw error;
  }
  sendJson(ctx, 200, { message: `Signal ${quote(signal)} sent to process ${quote(id)}.` });
}

async function handleInput(ctx: RouteContext, deps: ProcessRouteDeps): Promise<void> {
  const id = ctx.params.id ?? '';
  deps.supervisor.assertNotForeign(id, ctx.state.chat.chatId);
  const { data, eof } = toInput(await readJsonBody(ctx, InputBodySchema, deps.maxBodyBytes));
  await deps.supervisor.input(id, data, eof, ctx.state.chat.chatId);
  sendJson(ctx, 200, { bytes: data.length, eof });
}

async function handleResize(ctx: RouteContext, deps: ProcessRouteDeps): Promise<void> {
  const id = ctx.params.id ?? '';
  deps.supervisor.assertNotForeign(id, ctx.state.chat.chatId);
  const { cols, rows } = await readJsonBody(ctx, ResizeBodySchema, deps.maxBodyBytes);
  deps.supervisor.resize(id, cols, rows, ctx.state.chat.chatId);
  sendJson(ctx, 200, { cols, rows });
}
