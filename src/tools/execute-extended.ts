import { createHash } from 'node:crypto';
import type { ProcessApi, StartProcessRequest } from '../client/process-api.js';
import { errorText, toolError, toolText, type ToolResponse } from './chat-tool.js';
import { executeEnvironment } from './execute-environment.js';
import { formatGoDuration, type GoDuration, toTimerMs } from './go-duration.js';
import { encodeProcessResult, outcomeResult } from './process-result.js';
import { withShellGuidance } from './shell-guidance.js';
import { waitAndCollect, type ReturnWhen } from './tool-wait.js';

/** procvisor's execute arguments (any of them set means the extended path). */
export interface ExecuteExtras {
  waitFor: string | null;
  /** Return once the group listens on this port (`true`: on any port), or null. */
  waitForPort: number | true | null;
  /** Ends the process after this long (ms), running or not waited for. */
  lifetimeMs: number | null;
  stdin: boolean;
  /** The key a retry of this call repeats (the model's `idempotency_key`, or the host's call id). */
  idempotencyKey: string | null;
}

export const NEEDS_PROCVISOR = 'wait_for, wait_for_port, lifetime, stdin, since, grep and process_input need a procvisor agent (this agent has only the reference API)';

/**
 * The client token of a call: the key and what the call runs, hashed, so a retried call
 * (same key, same command) attaches to the process the first one started, and a key reused for
 * another command starts that command.
 */
export function callClientToken(key: string, command: string, workdir: string | undefined): string {
  return `tool-${createHash('sha256').update(`${key}\0${command}\0${workdir ?? ''}`).digest('hex').slice(0, 40)}`;
}

/**
 * What ends an execute wait besides the exit: the `wait_for` match, the port, and (stdin open)
 * a prompt, so a command asking a question never runs into the timeout.
 */
export function returnConditions(extras: Pick<ExecuteExtras, 'waitFor' | 'waitForPort' | 'stdin'>): ReturnWhen[] {
  const conditions: ReturnWhen[] = [];
  if (extras.waitFor !== null) conditions.push({ kind: 'match', pattern: extras.waitFor });
  if (extras.waitForPort !== null) conditions.push({ kind: 'port', port: extras.waitForPort === true ? null : extras.waitForPort });
  // The exit wait beside the input wait: where the service cannot watch for input (501), the call still ends at the exit.
  if (extras.stdin) conditions.push({ kind: 'input' }, ...(conditions.length === 0 ? [{ kind: 'exit' } as const] : []));
  return conditions.length > 0 ? conditions : [{ kind: 'exit' }];
}

/**
 * `execute` with procvisor's arguments: starts (or, on a retry, attaches), then returns as soon
 * as the output matches `wait_for`, the group listens on `wait_for_port`, the process waits for
 * input (with `stdin`), it exits, or `timeout` passes, whichever is first; the process keeps
 * running after any of those but the exit (until its `lifetime`). The result has
 * only bytes [0, cursor) of the output, cut in the middle when over 32 KiB.
 */
export async function runExecuteExtended(
  api: ProcessApi,
  request: { command: string; workdir: string | undefined; background: boolean; timeout: GoDuration },
  extras: ExecuteExtras,
  signal: AbortSignal | undefined,
): Promise<ToolResponse> {
  const readOutput = api.readOutput?.bind(api);
  if (readOutput === undefined) return toolError(NEEDS_PROCVISOR);
  const startedAt = performance.now();
  const start: StartProcessRequest = {
    command: request.command,
    ...(request.workdir ? { workdir: request.workdir } : {}),
    env: executeEnvironment(),
    background: request.background,
    ...(extras.stdin ? { stdin: true } : {}),
    ...(extras.lifetimeMs !== null ? { timeout_ms: extras.lifetimeMs } : {}),
    ...(extras.idempotencyKey !== null ? { client_token: callClientToken(extras.idempotencyKey, request.command, request.workdir) } : {}),
  };
  let id: string;
  let attached: boolean;
  try {
    const started = await api.startProcess(start, { signal });
    id = started.id;
    attached = started.attached === true;
  } catch (error) {
    return toolText(encodeProcessResult({ success: false, running: false, wall_duration_ms: 0, cursor: 0, error: withShellGuidance(`start process: ${errorText(error)}`) }));
  }
  if (request.background && extras.waitFor === null && extras.waitForPort === null) {
    return toolText(encodeProcessResult({ success: true, running: true, wall_duration_ms: 0, cursor: 0, process_id: id, ...(attached ? { attached: true } : {}) }));
  }
  try {
    const outcome = await waitAndCollect({ readOutput }, id, returnConditions(extras), 0, toTimerMs(request.timeout), signal);
    const result = outcomeResult(outcome, id, performance.now() - startedAt);
    if (attached) result.attached = true;
    if (outcome.status.running) {
      if (outcome.reason === 'timeout') result.error = `command timed out after ${formatGoDuration(request.timeout)}; it keeps running`;
      result.note =
        result.waiting_for_input !== undefined
          ? `the process waits for input: answer with process_input (process_id ${id}, text ending in "\n")`
          : `the process keeps running${extras.lifetimeMs !== null ? ' until its lifetime ends' : ''}: process_output with since=${result.cursor} gives what follows`;
    }
    return toolText(encodeProcessResult(result));
  } catch (error) {
    return toolText(encodeProcessResult({ success: false, running: true, wall_duration_ms: Math.floor(performance.now() - startedAt), cursor: 0, process_id: id, error: `get process output: ${errorText(error)}; use process_output with ID ${id} to retry` }));
  }
}
