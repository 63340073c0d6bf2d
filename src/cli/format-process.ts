import type { ProcessInfo } from '../client/process-api.js';

/** Length of the id prefix `ps` shows: 8 hex digits, as `git` and `docker` do. */
export const SHORT_ID_CHARS = 8;

/** A duration in whole seconds as `ps` shows an age: `42s`, `5m`, `3h`, `2d`. */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** `running`, or why it ended (`exited`, `requested`, `timeout`, `signaled`, …). */
export function formatStatus(info: ProcessInfo): string {
  return info.running ? 'running' : (info.exit_reason ?? 'exited');
}

/** Blank while running; the signal that ended it (`SIGKILL`), else its exit code. */
export function formatExit(info: ProcessInfo): string {
  if (info.running) return '';
  return info.exit_signal ?? String(info.exit_code ?? '');
}

/** The `ps` columns. */
export const PROCESS_COLUMNS = ['ID', 'STATUS', 'EXIT', 'AGE', 'COMMAND'] as const;

/** One `ps` row: short id (unless `fullIds`), status, exit, age at `nowMs`, command. */
export function processRow(info: ProcessInfo, nowMs: number, fullIds = false): string[] {
  const id = fullIds ? info.id : info.id.slice(0, SHORT_ID_CHARS);
  return [id, formatStatus(info), formatExit(info), formatAge(nowMs / 1000 - info.started_at_unix), info.command];
}
