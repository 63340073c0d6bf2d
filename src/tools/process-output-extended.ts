import type { GrepLine, OutputReadResponse, ProcessApi } from '../client/process-api.js';
import { errorText, toolError, toolText, type ToolResponse } from './chat-tool.js';
import { NEEDS_PROCVISOR } from './execute-extended.js';
import { encodeProcessResult, outcomeResult, type ProcessResult } from './process-result.js';
import { waitAndCollect, type ReturnWhen } from './tool-wait.js';

/** procvisor's process_output arguments (any set means the extended path). */
export interface OutputExtras {
  since: number | null;
  grep: string | null;
  waitFor: string | null;
  /** `FIRST-LAST`: 1-based line numbers of the whole output. */
  lines: string | null;
}

/** Matching lines a grep call lists, and context lines around each. */
export const TOOL_GREP_MAX_MATCHES = 20;
export const TOOL_GREP_CONTEXT_LINES = 2;

/**
 * `process_output` with procvisor's arguments. `lines` (`FIRST-LAST`): after waiting for the
 * exit (at most `waitMs`, as without it), those lines of the whole output as `N: line`, the
 * status and the cursor. `grep`: the same wait, then the matching lines of the whole output
 * (`N: line`, context `N- line`, `--` between groups), the status and the cursor.
 * Otherwise waits (`wait_for` from `since`, else the exit, at most `waitMs`; 0 = no wait) and
 * returns only the output after `since`.
 */
export async function runProcessOutputExtended(api: ProcessApi, id: string, extras: OutputExtras, waitMs: number, signal: AbortSignal | undefined): Promise<ToolResponse> {
  const readOutput = api.readOutput?.bind(api);
  if (readOutput === undefined) return toolError(NEEDS_PROCVISOR);
  const startedAt = performance.now();
  // Like the reference's process_output, grep and line reads first block up to the wait for the exit, then read what there is.
  const wait = waitMs > 0 ? ({ wait: 'exit', timeout_ms: Math.ceil(waitMs) } as const) : {};
  try {
    if (extras.lines !== null) {
      const status = await readOutput(id, { ...wait, lines: extras.lines, omit_output: true }, { signal });
      const range = status.lines ?? { first: 0, last: -1, text: '', more: false, gap_bytes: 0 };
      const count = range.last - range.first + 1;
      return toolText(
        encodeProcessResult({
          ...statusFields(status, id, startedAt),
          output: numberLines(range.text, range.first),
          lines: { first: range.first, last: range.last, more: range.more, ...(range.gap_bytes > 0 ? { unreadable_bytes: range.gap_bytes } : {}) },
          ...(count <= 0 ? { note: 'the output has fewer lines' } : {}),
        }),
      );
    }
    if (extras.grep !== null) {
      const query = { ...wait, grep: extras.grep, context: TOOL_GREP_CONTEXT_LINES, max_matches: TOOL_GREP_MAX_MATCHES, omit_output: true };
      const status = await readOutput(id, query, { signal });
      const grep = status.grep ?? { lines: [], matches: 0, more: false, scanned_bytes: 0, gap_bytes: 0 };
      return toolText(
        encodeProcessResult({
          ...statusFields(status, id, startedAt),
          output: formatGrepLines(grep.lines),
          grep: { matches: grep.matches, more: grep.more, ...(grep.gap_bytes > 0 ? { unsearched_bytes: grep.gap_bytes } : {}) },
          ...(grep.matches === 0 ? { note: 'no line matches' } : {}),
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

/** The status part of a grep or line-range result: success, exit, duration, the cursor (the end of the output). */
function statusFields(status: OutputReadResponse, id: string, startedAt: number): ProcessResult {
  return {
    success: status.running || status.exit_code === 0,
    running: status.running,
    ...(status.running ? {} : { exit_code: status.exit_code ?? -1 }),
    ...(status.exit_signal ? { exit_signal: status.exit_signal } : {}),
    wall_duration_ms: Math.floor(performance.now() - startedAt),
    cursor: status.next_cursor ?? 0,
    process_id: id,
  };
}

/** `text` (lines from line `first` on, each ending in a newline but perhaps the last) as `N: line`, grep -n's format. */
export function numberLines(text: string, first: number): string {
  if (text === '') return '';
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  return lines.map((line, i) => `${first + i}: ${line}\n`).join('');
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
