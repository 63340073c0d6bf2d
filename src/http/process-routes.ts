import { Router } from '@koa/router';
import type { Context } from 'koa';
import { SupervisorError, quote } from '../errors.js';
import { API_SIGNALS } from '../spawn/signals.js';
import { toProcessInfo, toProcessOutput } from '../supervisor/process-view.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { RequestState } from './chat-context.js';
import { sendJson } from './json.js';
import { readJsonBody } from './request-body.js';
import { SignalBodySchema, StartBodySchema, toApiSignal, toStartRequest } from './schemas.js';

export interface ProcessRouteDeps {
  supervisor: Supervisor;
  /** Server cap of a blocking wait (`?wait=true`). */
  maxWaitMs: number;
  maxBodyBytes: number;
}

type RouteContext = Context & { state: RequestState; params: Record<string, string> };

/** The v0 process API, mounted at `/api/v0/processes`. Handlers are thin: parse, call, map. */
export function createProcessRouter(deps: ProcessRouteDeps): Router<RequestState> {
  const router = new Router<RequestState>({ prefix: '/api/v0/processes' });
  router.post('/start', (ctx) => handleStart(ctx as RouteContext, deps));
  router.get('/list', (ctx) => handleList(ctx as RouteContext, deps));
  router.get('/:id/output', (ctx) => handleOutput(ctx as RouteContext, deps));
  router.post('/:id/signal', (ctx) => handleSignal(ctx as RouteContext, deps));
  return router;
}

async function handleStart(ctx: RouteContext, deps: ProcessRouteDeps): Promise<void> {
  const request = toStartRequest(await readJsonBody(ctx, StartBodySchema, deps.maxBodyBytes));
  const record = await deps.supervisor.start(request, ctx.state.chat);
  sendJson(ctx, 200, { id: record.info.id, started: true });
}

function handleList(ctx: RouteContext, deps: ProcessRouteDeps): void {
  const processes = deps.supervisor.list(ctx.state.chat.chatId).map(toProcessInfo);
  sendJson(ctx, 200, { processes });
}

/**
 * `?wait=true` (exactly) blocks until the process exited and its output drained, the server cap
 * passed (then 200 with `running: true`), or the client went away (the waiter is released).
 */
async function handleOutput(ctx: RouteContext, deps: ProcessRouteDeps): Promise<void> {
  const record = deps.supervisor.get(ctx.params.id ?? '', ctx.state.chat.chatId);
  const wait = ctx.query.wait;
  if ((Array.isArray(wait) ? wait[0] : wait) === 'true' && record.running) {
    const abort = new AbortController();
    // `res` 'close' before the response finished means the client went away. (`req` 'close'
    // has already fired for a request whose body was read, so it cannot tell.)
    const onClose = (): void => {
      if (!ctx.res.writableFinished) abort.abort();
    };
    ctx.res.once('close', onClose);
    try {
      const outcome = await deps.supervisor.waitForExit(record, deps.maxWaitMs, abort.signal);
      if (outcome === 'aborted') {
        ctx.state.log.debug({ process_id: record.info.id }, 'client left a blocking wait');
        // Nobody is listening: write nothing, and log the nginx-style 499 "client closed request".
        ctx.respond = false;
        ctx.status = 499;
        return;
      }
    } finally {
      ctx.res.off('close', onClose);
    }
  }
  sendJson(ctx, 200, toProcessOutput(record));
}

async function handleSignal(ctx: RouteContext, deps: ProcessRouteDeps): Promise<void> {
  const id = ctx.params.id ?? '';
  // Isolation comes before body parsing, as in the reference.
  deps.supervisor.assertNotForeign(id, ctx.state.chat.chatId);
  const signal = toApiSignal(await readJsonBody(ctx, SignalBodySchema, deps.maxBodyBytes));
  try {
    deps.supervisor.signal(id, API_SIGNALS[signal], ctx.state.chat.chatId);
  } catch (error) {
    if (error instanceof SupervisorError && error.code === 'SIGNAL_FAILED') {
      throw new SupervisorError('SIGNAL_FAILED', error.message, { cause: error, detail: `${signal} process: ${error.detail ?? ''}` });
    }
    throw error;
  }
  sendJson(ctx, 200, { message: `Signal ${quote(signal)} sent to process ${quote(id)}.` });
}
