import type { ProcessOutputResponse, ProcessTruncation } from '../client/process-api.js';
import { marshalGoJson } from './go-json.js';
import { truncateOutput } from './truncate-output.js';

/** The structured result of `execute` and `process_output` (the reference's ExecuteResult). */
export interface ExecuteResult {
  success: boolean;
  output?: string;
  exit_code: number;
  wall_duration_ms: number;
  error?: string;
  truncated?: ProcessTruncation;
  note?: string;
  background_process_id?: string;
}

/**
 * The result as the reference marshals it: fields in its struct order; `output`, `error`,
 * `truncated`, `note` and `background_process_id` left out when empty; `exit_code` and
 * `wall_duration_ms` always present; Go's HTML escaping.
 */
export function encodeExecuteResult(result: ExecuteResult): string {
  const t = result.truncated;
  return marshalGoJson({
    success: result.success,
    ...(result.output ? { output: result.output } : {}),
    exit_code: result.exit_code,
    wall_duration_ms: result.wall_duration_ms,
    ...(result.error ? { error: result.error } : {}),
    ...(t
      ? { truncated: { original_bytes: t.original_bytes, retained_bytes: t.retained_bytes, omitted_bytes: t.omitted_bytes, strategy: t.strategy } }
      : {}),
    ...(result.note ? { note: result.note } : {}),
    ...(result.background_process_id ? { background_process_id: result.background_process_id } : {}),
  });
}

/** `{success: false, exit_code: 0, wall_duration_ms: 0, error}`: a failed call in result form. */
export function errorResult(error: string): string {
  return encodeExecuteResult({ success: false, exit_code: 0, wall_duration_ms: 0, error });
}

/**
 * The result an output answer gives: success iff the exit code is 0 (absent counts as 0, as
 * while running); output capped for the model; truncation metadata passed through.
 */
export function outputResult(response: ProcessOutputResponse): ExecuteResult {
  const exitCode = response.exit_code ?? 0;
  return {
    success: exitCode === 0,
    output: truncateOutput(response.output),
    exit_code: exitCode,
    wall_duration_ms: 0,
    ...(response.truncated ? { truncated: response.truncated } : {}),
  };
}
