import type { GrepLine, ProcessApi } from '../client/process-api.js';
import { errorText, toolError, toolText, type ToolResponse } from './chat-tool.js';
import { NEEDS_PROCVISOR } from './execute-extended.js';
import { encodeProcessResult, outcomeResult } from './process-result.js';
import { waitAndCollect, type ReturnWhen } from './tool-wait.js';

/** procvisor's process_output arguments (any set means the extended path). */
export interface OutputExtras {
  since: number | null;
  grep: string | null;
  waitFor: string | null;
}

/** Matching lines a grep call lists, and context lines around each. */
export const TOOL_GREP_MAX_MATCHES = 20;
export const TOOL_GREP_CONTEXT_LINES = 2;

/**
 * `process_output` with procvisor's arguments. `grep`: after waiting for the exit (at most
 * `waitMs`, as without grep), the matching lines of the whole output (`N: line`, context
 * `N- line`, `--` between groups), the status and the cursor.
 * Otherwise waits (`wait_for` from `since`, else the exit, at most `waitMs`; 0 = no wait) and
 * returns only the output after `since`.
 */
export async function runProcessOutputExtended(api: ProcessApi, id: string, extras: OutputExtras, waitMs: number, signal: AbortSignal | undefined): Promise<ToolResponse> {
  const readOutput = api.readOutput?.bind(api);
  if (readOutput === undefined) return toolError(NEEDS_PROCVISOR);
  const startedAt = performance.now();
  try {
    if (extras.grep !== null) {
      // Like the reference's process_output, it first blocks up to the wait for the exit, then greps what there is.
      const wait = waitMs > 0 ? ({ wait: 'exit', timeout_ms: Math.ceil(waitMs) } as const) : {};
      const query = { ...wait, grep: extras.grep, context: TOOL_GREP_CONTEXT_LINES, max_matches: TOOL_GREP_MAX_MATCHES, omit_output: true };
      const status = await readOutput(id, query, { signal });
      const grep = status.grep ?? { lines: [], matches: 0, more: false, scanned_bytes: 0, gap_bytes: 0 };
      return toolText(
        encodeProcessResult({
          success: status.running || status.exit_code === 0,
          running: status.running,
          output: formatGrepLines(grep.lines),
          ...(status.running ? {} : { exit_code: status.exit_code ?? -1 }),
          ...(status.exit_signal ? { exit_signal: status.exit_signal } : {}),
          wall_duration_ms: Math.floor(performance.now() - startedAt),
          cursor: status.next_cursor ?? 0,
          grep: { matches: grep.matches, more: grep.more, ...(grep.gap_bytes > 0 ? { unsearched_bytes: grep.gap_bytes } : {}) },
          ...(grep.matches === 0 ? { note: 'no line matches' } : {}),
          process_id: id,
        }),
      );
    }
    const when: ReturnWhen = extras.waitFor !== null ? { kind: 'match', pattern: extras.waitFor } : { kind: 'exit' };
    const outcome = await waitAndCollect({ readOutput }, id, when, extras.since ?? 0, waitMs, signal);
    const result = outcomeResult(outcome, id, performance.now() - startedAt);
    if (outcome.status.running) {
      // Not decided yet: the call worked (as the reference's process_output says).
      result.success = extras.waitFor === null || outcome.reason === 'match';
      result.note = 'process is still running';
    }
    return toolText(encodeProcessResult(result));
  } catch (error) {
    return toolText(encodeProcessResult({ success: false, running: false, wall_duration_ms: 0, cursor: extras.since ?? 0, error: `get process output: ${errorText(error)}` }));
  }
}

/** `N: text` for matches, `N- text` for context, `--` where lines are not adjacent (grep's own format). */
export function formatGrepLines(lines: readonly GrepLine[]): string {
  let out = '';
  let previous = -1;
  for (const entry of lines) {
    if (previous !== -1 && entry.line !== previous + 1) out += '--\n';
    out += `${entry.line}${entry.match ? ':' : '-'} ${entry.text}\n`;
    previous = entry.line;
  }
  return out;
}
