import { marshalGoJson } from './go-json.js';
import type { WaitOutcome } from './tool-wait.js';

/**
 * The result of a call that used procvisor's arguments (`wait_for`, `since`, `grep`, `lifetime`,
 * `stdin`, `process_input`): the status, only the output that is new to the model, the cursor to
 * pass as `since` next time (bytes seen so far), why the call returned, and the match.
 */
export interface ProcessResult {
  success: boolean;
  running: boolean;
  output?: string;
  exit_code?: number;
  exit_signal?: string;
  wall_duration_ms: number;
  /** Why the call returned: `exited`, `match`, `quiet`, `output`, `input`, `port` or `timeout`. */
  returned_on?: string;
  match?: { text: string; offset: number };
  /** The process waits for an answer on its stdin: `prompt` is its last line (answer with process_input). */
  waiting_for_input?: { prompt: string };
  /** The TCP ports the process group listens on (execute with wait_for_port). */
  listening_ports?: number[];
  /** Bytes of output seen: pass it as `since` to get only what follows. */
  cursor: number;
  /** Bytes cut from the middle of `output` (the first and last lines are kept). */
  omitted_bytes?: number;
  /** Bytes between `since` and the oldest byte still kept (lost before this call). */
  lost_bytes?: number;
  error?: string;
  note?: string;
  process_id?: string;
  /** The call was a retry of one already started: this is that process, not a second run. */
  attached?: true;
  grep?: unknown;
  /** A line-range read: the lines returned, whether the bound cut them, bytes no longer readable. */
  lines?: { first: number; last: number; more: boolean; unreadable_bytes?: number };
}

/** The result as one line of JSON (Go's escaping, like the reference's results); empty fields left out. */
export function encodeProcessResult(result: ProcessResult): string {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(result)) if (value !== undefined && value !== '') out[key] = value;
  return marshalGoJson(out);
}

/** A finished wait as a result: success is exit code 0 once exited, a match or quiet while running. */
export function outcomeResult(outcome: WaitOutcome, processId: string, wallMs: number): ProcessResult {
  const { status, output } = outcome;
  const exitCode = status.exit_code;
  return {
    success: status.running ? outcome.reason !== 'timeout' : exitCode === 0,
    running: status.running,
    output: output.text,
    ...(status.running ? {} : { exit_code: exitCode ?? -1 }),
    ...(status.exit_signal ? { exit_signal: status.exit_signal } : {}),
    wall_duration_ms: Math.floor(wallMs),
    returned_on: outcome.reason,
    ...(outcome.match ? { match: outcome.match } : {}),
    ...(status.running && status.waiting_for_input ? { waiting_for_input: { prompt: status.waiting_for_input.prompt } } : {}),
    ...(outcome.ports ? { listening_ports: outcome.ports } : {}),
    cursor: output.to,
    ...(output.omittedBytes > 0 ? { omitted_bytes: output.omittedBytes } : {}),
    ...(output.gapBytes > 0 ? { lost_bytes: output.gapBytes } : {}),
    process_id: processId,
  };
}
