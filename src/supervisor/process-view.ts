import type { ProcessContext } from './process-machine.js';
import type { ProcessRecord } from './process-record.js';

/** `ProcessInfo` of the v0 wire, plus the additive `exit_signal` and `exit_reason`. */
export interface ProcessInfoWire {
  id: string;
  command: string;
  workdir?: string;
  background: boolean;
  running: boolean;
  exit_code?: number;
  exit_signal?: string;
  exit_reason?: string;
  duration_ms?: number;
  started_at_unix: number;
  exited_at_unix?: number;
}

export interface TruncationWire {
  original_bytes: number;
  retained_bytes: number;
  omitted_bytes: number;
  strategy: 'head_tail';
}

/** `ProcessOutputResponse` of the v0 wire, plus `exit_signal`, `exit_reason`, `duration_ms` once exited. */
export interface ProcessOutputWire {
  output: string;
  truncated?: TruncationWire;
  running: boolean;
  exit_code?: number;
  exit_signal?: string;
  exit_reason?: string;
  duration_ms?: number;
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

/** Maps a record to the list entry, fields in the reference's order; omitted ones follow its `omitempty`. */
export function toProcessInfo(record: ProcessRecord): ProcessInfoWire {
  const snapshot = record.snapshot;
  const { info } = record;
  const exit = snapshot.status === 'done' ? snapshot.context : null;
  return {
    id: info.id,
    command: info.command,
    ...(info.workdir === '' ? {} : { workdir: info.workdir }),
    background: info.background,
    running: exit === null,
    ...(exit === null ? {} : exitFields(exit)),
    started_at_unix: seconds(info.startedAt),
    ...(exit?.exitedAt == null ? {} : { exited_at_unix: seconds(exit.exitedAt) }),
  };
}

/**
 * Maps a record to the output response. The status is read first and the output second (the
 * reference's TOCTOU fix): an exited actor holds its frozen, complete output; a running one's
 * buffer may still grow, which is fine because the status says running.
 */
export function toProcessOutput(record: ProcessRecord): ProcessOutputWire {
  const snapshot = record.snapshot;
  const exit = snapshot.status === 'done' ? snapshot.context : null;
  const rendered = exit?.output ?? snapshot.context.buffer.render();
  const t = rendered.truncation;
  return {
    output: rendered.output,
    ...(t === null
      ? {}
      : { truncated: { original_bytes: t.originalBytes, retained_bytes: t.retainedBytes, omitted_bytes: t.omittedBytes, strategy: t.strategy } }),
    running: exit === null,
    ...(exit === null ? {} : exitFields(exit)),
  };
}

function exitFields(context: ProcessContext): { exit_code: number; exit_signal?: string; exit_reason?: string; duration_ms?: number } {
  return {
    exit_code: context.exitCode ?? -1,
    ...(context.exitSignal === null ? {} : { exit_signal: context.exitSignal }),
    ...(context.exitReason === null ? {} : { exit_reason: context.exitReason }),
    ...(context.exitedAt === null ? {} : { duration_ms: context.exitedAt - context.startedAt }),
  };
}
