import type { HistoryEntry, ProcessRecord } from '../supervisor/process-record.js';
import { stateName } from '../supervisor/process-record.js';

/** Longest command the view shows, characters (a command may be 128 KiB). */
export const MAX_VIEW_COMMAND_CHARS = 1000;

/** One process as the `/inspect` page sees it. snake_case, like every wire object of procvisor. */
export interface InspectProcessView {
  id: string;
  command: string;
  workdir: string;
  background: boolean;
  chat_id: string | null;
  /**
   * The state value as `stateName()` gives it: the active leaf paths joined with `, `
   * (`running.lifecycle.alive, running.watchdog.unwatched`; `exited`).
   */
  state: string;
  /**
   * The active leaf (atomic or final) state paths, one per active region, in definition order:
   * `['running.lifecycle.alive', 'running.watchdog.unwatched']`, `['exited']`. Each is a
   * `path` of `/inspect/machine.json`; their ancestors are active too.
   */
  states: string[];
  /** The actor's status: `active` until `exited`, then `done`. */
  status: string;
  pid: number | null;
  exit_code: number | null;
  exit_signal: string | null;
  exit_reason: string | null;
  /** Milliseconds since the epoch. */
  started_at: number;
  exited_at: number | null;
  /** The record's bounded event history, oldest first. */
  history: readonly HistoryEntry[];
  /** Every byte the process wrote so far. */
  output_bytes: number;
  /** The last `tailBytes` bytes of output held now (raw bytes while running, the rendered output once exited). */
  output_tail: string;
}

/**
 * Maps a record to its view; the output tail is at most `tailBytes` bytes. Reads the status
 * before the output, like the API does. Copies at most `tailBytes` of a running process's output.
 */
export function toInspectView(record: ProcessRecord, tailBytes: number): InspectProcessView {
  const snapshot = record.snapshot;
  const { context } = snapshot;
  const { info } = record;
  const frozen = context.output;
  const held = frozen === null ? context.buffer.tail(tailBytes) : Buffer.from(frozen.output, 'utf8');
  return {
    id: info.id,
    command: info.command.length > MAX_VIEW_COMMAND_CHARS ? `${info.command.slice(0, MAX_VIEW_COMMAND_CHARS)}…` : info.command,
    workdir: info.workdir,
    background: info.background,
    chat_id: info.chatId,
    state: stateName(snapshot.value),
    states: leafPaths(snapshot.value),
    status: snapshot.status,
    pid: context.pid,
    exit_code: context.exitCode,
    exit_signal: context.exitSignal,
    exit_reason: context.exitReason,
    started_at: info.startedAt,
    exited_at: context.exitedAt,
    history: record.history,
    output_bytes: context.buffer.totalBytes,
    output_tail: lastBytes(held, tailBytes),
  };
}

/**
 * The dotted paths of the active leaves of a state value, in its key order (xstate keeps the
 * definition order): `{running: {lifecycle: 'alive', watchdog: 'unwatched'}}` →
 * `['running.lifecycle.alive', 'running.watchdog.unwatched']`; `'exited'` → `['exited']`.
 */
export function leafPaths(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value !== null && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) => leafPaths(inner).map((leaf) => `${key}.${leaf}`));
  }
  return [String(value)];
}

/**
 * The last `maxBytes` bytes of `bytes` as UTF-8, starting at a character boundary (leading
 * continuation bytes of a cut character are dropped rather than shown as U+FFFD).
 */
export function lastBytes(bytes: Buffer, maxBytes: number): string {
  let start = Math.max(0, bytes.length - maxBytes);
  const limit = Math.min(bytes.length, start + 3);
  while (start > 0 && start < limit && ((bytes[start] ?? 0) & 0xc0) === 0x80) start += 1;
  return bytes.subarray(start).toString('utf8');
}

/**
 * A cheap fingerprint of what the view of `record` would show: state, status, newest history
 * entry, and output byte count. The feed re-sends a process only when this changes.
 */
export function viewVersion(record: ProcessRecord): { key: string; last: HistoryEntry | undefined } {
  const snapshot = record.snapshot;
  const last = record.history.at(-1);
  return {
    key: `${snapshot.status}|${stateName(snapshot.value)}|${record.history.length}|${snapshot.context.buffer.totalBytes}`,
    last,
  };
}
