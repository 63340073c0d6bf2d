import { readFileSync } from 'node:fs';

/** Small statistics and formatting helpers for the bench. */

/** Nearest-rank percentile of an already sorted array (NaN when empty). */
export function percentileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export function percentile(values: readonly number[], p: number): number {
  return percentileSorted([...values].sort((a, b) => a - b), p);
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: percentileSorted(sorted, 50), min: sorted[0] ?? Number.NaN, max: sorted[sorted.length - 1] ?? Number.NaN, n: sorted.length };
}

export function fmt(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : String(value);
}

/** `median [min..max]` of repeated measurements. */
export function fmtSpread(values: readonly number[], digits = 2, unit = ''): string {
  const s = spread(values);
  if (s.n <= 1) return `${fmt(s.median, digits)}${unit}`;
  return `${fmt(s.median, digits)}${unit} [${fmt(s.min, digits)}..${fmt(s.max, digits)}]`;
}

/** Milliseconds from a monotonic clock. */
export function nowMs(): number {
  return performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Renders rows as a plain-text table with a header line. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}

/**
 * CPU time (user + system, all threads) a process has used so far, in ms, from /proc/PID/stat
 * (clock ticks of 10 ms: use it over spans of a few hundred ms or more). NaN if unreadable.
 */
export function processCpuMs(pid: number, thread?: number): number {
  try {
    const stat = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * (1000 / CLOCK_TICKS_PER_SECOND);
  } catch {
    return Number.NaN;
  }
}

/**
 * Read system calls (`syscr` of /proc/PID/io) and context switches (voluntary + involuntary, of
 * /proc/PID/status: the main thread's) a process made so far. NaN fields if unreadable.
 */
export function processIoCounts(pid: number): { reads: number; switches: number } {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (text: string, name: string): number => Number(new RegExp(`^${name}:\\s*(\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
    return { reads: field(io, 'syscr'), switches: field(status, 'voluntary_ctxt_switches') + field(status, 'nonvoluntary_ctxt_switches') };
  } catch {
    return { reads: Number.NaN, switches: Number.NaN };
  }
}

/** USER_HZ: 100 on every Linux this bench runs on (`getconf CLK_TCK`). */
const CLOCK_TICKS_PER_SECOND = 100;
