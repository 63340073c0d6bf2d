import type { ProcessApi, ProcessOutputResponse } from '../client/process-api.js';
import { pause, withDeadline } from './deadline.js';
import { errorText } from './chat-tool.js';
import { outputResult, type ExecuteResult } from './execute-result.js';
import { formatGoDuration, type GoDuration } from './go-duration.js';
import { truncateOutput } from './truncate-output.js';

/** How long the recovery snapshot may take (the reference's `snapshotTimeout`). */
export const SNAPSHOT_TIMEOUT_MS = 30_000;

/**
 * A blocking call that says "running" sooner than this did not block: the agent ignores
 * `wait=true` (older agents did). Waiting this long before asking again keeps such an agent from
 * being asked in a tight loop until the deadline.
 */
export const MIN_RETRY_INTERVAL_MS = 200;

export interface WaitInput {
  api: ProcessApi;
  processId: string;
  /** The command's deadline (tool signal + timeout); aborts the blocking call. */
  commandSignal: AbortSignal;
  /** The tool call's own signal; the recovery snapshot runs under it (+ 30 s). */
  parentSignal: AbortSignal | undefined;
  /** The foreground timeout, printed in Go format in messages. */
  timeout: GoDuration;
}

/**
 * Waits for a foreground process with one blocking output call, as the reference does:
 * - exited → its result (`wall_duration_ms` is the caller's to set);
 * - "running" while the deadline holds (the server's cap is shorter than the timeout) → wait again;
 * - "running" after the deadline → `command timed out after <timeout>` with the id;
 * - ANY error of the blocking call (deadline, transport, 5xx) → recovery by a snapshot: an exited
 *   process gives its real result; a running one its output so far, exit code -1 and the id; a
 *   failed snapshot an error naming the id and `process_output`.
 */
export async function waitForProcess(input: WaitInput): Promise<ExecuteResult> {
  const { api, processId, commandSignal } = input;
  for (;;) {
    const askedAt = performance.now();
    let response: ProcessOutputResponse;
    try {
      response = await api.processOutput(processId, { wait: true, signal: commandSignal });
    } catch (error) {
      return recoverBySnapshot(input, error);
    }
    if (!response.running) return outputResult(response);
    if (commandSignal.aborted) return timedOut(input, response);
    const elapsedMs = performance.now() - askedAt;
    if (elapsedMs < MIN_RETRY_INTERVAL_MS) await pause(MIN_RETRY_INTERVAL_MS - elapsedMs, commandSignal);
    if (commandSignal.aborted) return timedOut(input, response);
  }
}

async function recoverBySnapshot(input: WaitInput, blockingError: unknown): Promise<ExecuteResult> {
  const { api, processId } = input;
  // Read before the snapshot: was the blocking call cut by our deadline, or did it fail?
  const deadlinePassed = input.commandSignal.aborted;
  const timeout = formatGoDuration(input.timeout);
  const snapshotDeadline = withDeadline(input.parentSignal, SNAPSHOT_TIMEOUT_MS);
  let snapshot: ProcessOutputResponse;
  try {
    snapshot = await api.processOutput(processId, { signal: snapshotDeadline.signal });
  } catch (snapshotError) {
    return {
      success: false,
      exit_code: -1,
      wall_duration_ms: 0,
      error: deadlinePassed
        ? `command timed out after ${timeout}; failed to get output: ${errorText(snapshotError)}`
        : `get process output: ${errorText(blockingError)}; use process_output with ID ${processId} to retry`,
      background_process_id: processId,
    };
  } finally {
    snapshotDeadline.dispose();
  }
  if (!snapshot.running) return outputResult(snapshot);
  return {
    ...runningResult(snapshot, processId),
    error: deadlinePassed
      ? `command timed out after ${timeout}`
      : `get process output: ${errorText(blockingError)} (process still running, use process_output to check later)`,
  };
}

function timedOut(input: WaitInput, response: ProcessOutputResponse): ExecuteResult {
  return { ...runningResult(response, input.processId), error: `command timed out after ${formatGoDuration(input.timeout)}` };
}

function runningResult(response: ProcessOutputResponse, processId: string): ExecuteResult {
  return {
    success: false,
    output: truncateOutput(response.output),
    exit_code: -1,
    wall_duration_ms: 0,
    ...(response.truncated ? { truncated: response.truncated } : {}),
    background_process_id: processId,
  };
}
