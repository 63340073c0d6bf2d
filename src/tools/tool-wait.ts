import type { OutputReadQuery, OutputReadResponse, ProcessApi } from '../client/process-api.js';
import { readNewOutput, type NewOutput } from './new-output.js';

/**
 * When a waiting tool call returns early, besides the process's exit (which always ends a wait).
 * A new condition is one more case here and in `waitQuery` (the API's `wait=` value).
 */
export type ReturnWhen =
  | { kind: 'exit' }
  /** Output from the cursor on matches this RE2 pattern. */
  | { kind: 'match'; pattern: string }
  /** Some output after the cursor, then none for this long (a reply that has finished). */
  | { kind: 'quiet'; quietMs: number }
  /** Any output after the cursor. */
  | { kind: 'output' };

/** The API query of one wait round: `when`, from `cursor`, at most `timeoutMs`. */
export function waitQuery(when: ReturnWhen, cursor: number, timeoutMs: number): OutputReadQuery {
  const base = { timeout_ms: Math.max(1, Math.ceil(timeoutMs)), omit_output: true } as const;
  // A cursor makes the answer carry a delta; only the conditions that start at a cursor send one.
  const from = { cursor, limit: 1 } as const;
  switch (when.kind) {
    case 'exit':
      return { ...base, wait: 'exit' };
    case 'match':
      return { ...base, ...from, wait: 'match', pattern: when.pattern };
    case 'quiet':
      return { ...base, wait: 'quiet', quiet_ms: when.quietMs };
    case 'output':
      return { ...base, ...from, wait: 'output' };
  }
}

/** What a wait saw: the status right after it ended, why it ended, and the new output since the cursor (bounded). */
export interface WaitOutcome {
  status: OutputReadResponse;
  /** `exited`, `match`, `quiet`, `output`, or `timeout` (the tool's own deadline passed). */
  reason: 'exited' | 'match' | 'quiet' | 'output' | 'timeout';
  match?: { text: string; offset: number };
  output: NewOutput;
}

export type ReadApi = Required<Pick<ProcessApi, 'readOutput'>>;

/**
 * Waits for `when` (or the exit) from `cursor` for at most `timeoutMs`, asking again when the
 * server's cap ended a round first; then collects the output between `cursor` and the end it
 * saw (see readNewOutput). Rejects with the client's error (the caller words it for the model).
 */
export async function waitAndCollect(api: ReadApi, id: string, when: ReturnWhen, cursor: number, timeoutMs: number, signal: AbortSignal | undefined): Promise<WaitOutcome> {
  const deadline = performance.now() + timeoutMs;
  let status: OutputReadResponse;
  // Quiet counts only after something new: first wait for output past the cursor, then for silence.
  let round: ReturnWhen = when.kind === 'quiet' ? { kind: 'output' } : when;
  for (;;) {
    const remaining = deadline - performance.now();
    status = remaining <= 0 ? await api.readOutput(id, { omit_output: true }, { signal }) : await api.readOutput(id, waitQuery(round, cursor, remaining), { signal });
    const result = status.wait_result ?? (status.running ? 'timeout' : 'exited');
    if (when.kind === 'quiet' && round.kind === 'output' && result === 'output') {
      round = when;
      continue;
    }
    if (result !== 'timeout' || !status.running || performance.now() >= deadline) break;
  }
  const result = status.wait_result ?? (status.running ? 'timeout' : 'exited');
  const reason = !status.running && result === 'timeout' ? 'exited' : result;
  // The end of the output now (a read without a cursor answers the total in next_cursor), and the status with it.
  const now = await api.readOutput(id, { omit_output: true }, { signal });
  const end = now.next_cursor ?? cursor;
  const output = await readNewOutput(api, id, cursor, end, signal);
  return { status: now, reason, ...(status.match ? { match: status.match } : {}), output };
}
