import * as v from 'valibot';
import type { ProcessOutputResponse } from '../client/process-api.js';
import { NO_RESOLVER, errorText, neverRejects, resolveClient, toolError, toolText, type ChatTool, type ClientSource, type ToolResponse } from './chat-tool.js';
import { withDeadline } from './deadline.js';
import { encodeExecuteResult, errorResult, outputResult } from './execute-result.js';
import { GoDurationError, fromMilliseconds, parseGoDuration, toTimerMs } from './go-duration.js';
import { goQuote } from './go-quote.js';
import { runProcessOutputExtended } from './process-output-extended.js';
import { parseToolInput } from './tool-input.js';
import { SNAPSHOT_TIMEOUT_MS } from './wait-for-process.js';

export const PROCESS_OUTPUT_TOOL_NAME = 'process_output';
/** How long process_output blocks unless `wait_timeout` says otherwise. */
export const DEFAULT_PROCESS_OUTPUT_TIMEOUT_MS = 10_000;

const ProcessOutputArgsSchema = v.object({
  process_id: v.nullish(v.string(), ''),
  wait_timeout: v.nullish(v.string()),
  since: v.nullish(v.pipe(v.number(), v.integer(), v.minValue(0))),
  grep: v.nullish(v.pipe(v.string(), v.minLength(1), v.maxLength(1024))),
  wait_for: v.nullish(v.pipe(v.string(), v.minLength(1), v.maxLength(1024))),
  lines: v.nullish(v.pipe(v.string(), v.regex(/^[1-9]\d{0,8}-[1-9]\d{0,8}$/, 'must be FIRST-LAST, 1-based line numbers, e.g. "120-160"'))),
});

const DESCRIPTION =
  'Get the output of a tracked process by its ID: the process_id from execute with run_in_background=true, or the ' +
  "background_process_id of an execute that timed out. Blocks up to 10s for the process to exit, then returns its output and exit_code; " +
  "a process still running by then gives its output so far. wait_timeout overrides the 10s wait (e.g. '30s', or '0s' for an " +
  'immediate snapshot without waiting). Optional: since (a cursor from an earlier result) returns only newer output; grep searches the whole output ' +
  'for a pattern and returns the matching lines with line numbers; lines (e.g. "120-160") returns those lines of the whole output; wait_for returns ' +
  'as soon as the output matches.';

/**
 * The `process_output` tool: blocks up to `wait_timeout` (10 s; `0s` or less = snapshot) for the
 * process to exit, recovering by snapshot when the blocking call fails. A running process gives
 * `success: true` with the note `process is still running`. Tool errors: no client, an empty
 * `process_id` (checked before resolving the client), a failing resolver, a bad `wait_timeout`.
 */
export function createProcessOutputTool(options: { client: ClientSource | undefined }): ChatTool {
  return {
    name: PROCESS_OUTPUT_TOOL_NAME,
    description: DESCRIPTION,
    inputSchema: {
      type: 'object',
      properties: {
        process_id: { type: 'string', description: 'The ID of the process (from execute or process_list).' },
        wait_timeout: {
          type: 'string',
          description: "Overrides the default 10s wait. The call blocks until the process exits or this time passes. '0s' returns a snapshot at once without waiting.",
        },
        since: {
          type: 'integer',
          minimum: 0,
          description: 'The cursor of an earlier result: return only the output after it (for progress checks: nothing is repeated).',
        },
        grep: {
          type: 'string',
          description: 'A pattern (RE2 syntax) searched over the whole output, however long: returns the matching lines with line numbers and 2 lines of context (at most 20 matches), plus the status and exit code. Waits for the exit first, like without grep (wait_timeout; \'0s\' greps at once).',
        },
        wait_for: {
          type: 'string',
          description: 'Return as soon as the output after since (or from the start) matches this pattern (RE2 syntax), or the process exits; bounded by wait_timeout.',
        },
        lines: {
          type: 'string',
          description: "FIRST-LAST, 1-based (e.g. '120-160', around a line grep found): returns those lines of the whole output, however long, numbered like grep (at most 1000 lines and 64 KiB), plus the status and exit code. Waits for the exit first, like without it.",
        },
      },
      required: ['process_id'],
    },
    run(input, context = {}) {
      return neverRejects(() => runProcessOutput(options.client, input, context.signal));
    },
  };
}

async function runProcessOutput(source: ClientSource | undefined, input: unknown, signal: AbortSignal | undefined): Promise<ToolResponse> {
  const parsed = parseToolInput(ProcessOutputArgsSchema, input);
  if (!parsed.ok) return parsed.response;
  const args = parsed.value;
  // The reference's order: no resolver, empty id, and only then the agent.
  if (source === undefined) return toolError(NO_RESOLVER);
  if (args.process_id === '') return toolError('process_id is required');
  const resolved = await resolveClient(source, signal);
  if (!resolved.ok) return resolved.response;
  const api = resolved.value;
  let timeout = fromMilliseconds(DEFAULT_PROCESS_OUTPUT_TIMEOUT_MS);
  if (args.wait_timeout != null) {
    try {
      timeout = parseGoDuration(args.wait_timeout);
    } catch (error) {
      if (!(error instanceof GoDurationError)) throw error;
      return toolError(`invalid wait_timeout ${goQuote(args.wait_timeout)}: ${error.message}`);
    }
  }
  if (args.since != null || args.grep != null || args.wait_for != null || args.lines != null) {
    const [first = 0, last = 0] = (args.lines ?? '').split('-').map(Number);
    if (last < first) return toolError(`invalid lines ${goQuote(args.lines ?? '')}: LAST is before FIRST`);
    if (args.lines != null && (args.grep != null || args.wait_for != null || args.since != null)) return toolError('lines reads by line number: give it without since, grep or wait_for');
    const waitMs = timeout > 0n ? toTimerMs(timeout) : 0;
    return runProcessOutputExtended(api, args.process_id, { since: args.since ?? null, grep: args.grep ?? null, waitFor: args.wait_for ?? null, lines: args.lines ?? null }, waitMs, signal);
  }
  const wait = timeout > 0n;
  const deadline = wait ? withDeadline(signal, toTimerMs(timeout)) : null;
  let response: ProcessOutputResponse;
  try {
    response = await api.processOutput(args.process_id, { wait, signal: deadline?.signal ?? signal });
  } catch (error) {
    // The blocking call failed (its deadline, a transport error): a snapshot may still answer,
    // unless the tool call itself was cancelled.
    if (signal?.aborted) return toolText(errorResult(`get process output: ${errorText(error)}`));
    const snapshotDeadline = withDeadline(signal, SNAPSHOT_TIMEOUT_MS);
    try {
      response = await api.processOutput(args.process_id, { signal: snapshotDeadline.signal });
    } catch (snapshotError) {
      return toolText(errorResult(`get process output: ${errorText(snapshotError)}`));
    } finally {
      snapshotDeadline.dispose();
    }
  } finally {
    deadline?.dispose();
  }
  const result = outputResult(response);
  if (response.running) {
    // Not decided yet: the call worked, and the note says so.
    result.success = true;
    result.note = 'process is still running';
  }
  return toolText(encodeExecuteResult(result));
}
