import { RE2JS } from 're2js';
import { yieldToEventLoop } from './output-scan.js';
import type { ProcessOutput } from './process-output.js';

/**
 * What an error-looking line is (RE2 syntax, so linear-time on the service thread): one of the
 * words error, Error, ERROR, FAIL, FAILED, failed, failing, fatal, FATAL, panic, Traceback,
 * Exception as a whole word (covers `file:line:col: error`, tsc's `file(l,c): error TS…`, mocha's
 * `N failing`, Go's `panic:`, Python's `Traceback (most recent call last):`), or a word ending in
 * Error or Exception (`AssertionError`, `TypeError`, `NullPointerException`).
 */
export const ERROR_LINE_SOURCE = String.raw`\b(?:error|Error|ERROR|FAIL|FAILED|failed|failing|fatal|FATAL|panic|Traceback|Exception)\b|[A-Za-z](?:Error|Exception)\b`;

/**
 * Bytes tested in one synchronous step. Smaller than grep's 1 MiB: when every line matches, the
 * halving tests each line on its own (measured: ~240 ms for 1 MiB of short matching lines, so
 * ~60 ms for a 256 KiB step; ~8 ms when nothing matches).
 */
export const ERROR_SCAN_CHUNK_BYTES = 262_144;

/** Bounds of one error-line scan. */
export const ERROR_LINE_LIMITS = { maxLines: 20, maxLineChars: 300, maxScanBytes: 64 * 1024 * 1024 } as const;

// Only a yes/no test per region: re2js answers it on its DFA path (about 1 ms per MiB here),
// while a find that must report positions runs its NFA from the start of the search (about
// 300 ms for a match at the end of a 1 MiB step: measured, it stalled /healthz).
let compiled: RE2JS | null = null;
function errorPattern(): RE2JS {
  return (compiled ??= RE2JS.compile(ERROR_LINE_SOURCE));
}

/** Error-looking lines of a byte range: the first `maxLines`, and how many more matched. */
export interface ErrorLinesResult {
  /** 1-based line numbers counted from the first readable byte (offset 0 when the output was spilled). */
  lines: { line: number; text: string }[];
  /** Matching lines in the range beyond the ones listed. */
  more: number;
  /** Bytes of the range searched (the range may start before what is still readable, or exceed maxScanBytes). */
  scanned_bytes: number;
}

/**
 * Lists the lines that start in [from, to) of the output and look like errors (ERROR_LINE_SOURCE),
 * with their line numbers. Reads the spill or the window (ProcessOutput.read) one chunk of
 * ERROR_SCAN_CHUNK_BYTES per event-loop turn: before `from` it only counts line breaks; in the range it
 * finds the matching lines by halving (see matchingLineStarts); at most
 * ERROR_LINE_LIMITS.maxScanBytes of the range. `signal` stops it early.
 */
export async function findErrorLines(output: ProcessOutput, from: number, to: number, signal?: AbortSignal): Promise<ErrorLinesResult> {
  const result: ErrorLinesResult = { lines: [], more: 0, scanned_bytes: 0 };
  const end = Math.min(to, output.totalBytes, from + ERROR_LINE_LIMITS.maxScanBytes);
  let position = 0;
  let line = 1;
  while (position < end && !signal?.aborted) {
    const read = output.read(position, ERROR_SCAN_CHUNK_BYTES);
    if (read.data.length === 0) break;
    let data = read.data;
    // Line-aligned, so a line is never split between two chunks.
    if (read.to < output.totalBytes) {
      const lastBreak = data.lastIndexOf(0x0a);
      if (lastBreak >= 0) data = data.subarray(0, lastBreak + 1);
    }
    const chunkStart = read.from;
    const chunkEnd = chunkStart + data.length;
    if (chunkEnd > from) {
      // The first line starting at or after `from`; the end of the last line starting before `end`.
      const skip = Math.max(0, from - chunkStart);
      const scanAt = skip === 0 || data[skip - 1] === 0x0a ? skip : data.indexOf(0x0a, skip) + 1 || data.length;
      const stop = Math.min(data.length, end - chunkStart);
      const scanEnd = stop <= scanAt ? scanAt : stop === data.length || data[stop - 1] === 0x0a ? stop : data.indexOf(0x0a, stop - 1) + 1 || data.length;
      result.scanned_bytes += Math.max(0, stop - scanAt);
      const starts: number[] = [];
      matchingLineStarts(data, scanAt, scanEnd, starts);
      let counted = 0;
      for (const lineStart of starts) {
        line += countBreaks(data, counted, lineStart);
        counted = lineStart;
        if (result.lines.length >= ERROR_LINE_LIMITS.maxLines) {
          result.more += 1;
          continue;
        }
        const breakAt = data.indexOf(0x0a, lineStart);
        let text = data.subarray(lineStart, breakAt < 0 ? data.length : breakAt).toString('utf8').replace(/\r$/, '');
        if (text.length > ERROR_LINE_LIMITS.maxLineChars) text = `${text.slice(0, ERROR_LINE_LIMITS.maxLineChars)}…`;
        result.lines.push({ line, text });
      }
      line += countBreaks(data, counted, data.length);
    } else {
      line += countBreaks(data, 0, data.length);
    }
    position = chunkEnd;
    if (position < end) await yieldToEventLoop();
  }
  return result;
}

/**
 * Appends, in order, the starts of the lines in [start, end) (both line boundaries) that match:
 * tests the whole region, and only when it matches splits it at a line break near its middle.
 * Each level of the halving tests every byte at most once, so the cost is at most about
 * log2(lines) DFA passes over the region, however many lines match.
 */
function matchingLineStarts(data: Buffer, start: number, end: number, out: number[]): void {
  if (start >= end || !errorPattern().test(data.subarray(start, end))) return;
  const firstBreak = data.indexOf(0x0a, start);
  if (firstBreak < 0 || firstBreak >= end - 1) {
    out.push(start);
    return;
  }
  const middle = start + ((end - start) >> 1);
  let cut = data.indexOf(0x0a, middle);
  if (cut < 0 || cut >= end - 1) cut = data.lastIndexOf(0x0a, middle - 1);
  matchingLineStarts(data, start, cut + 1, out);
  matchingLineStarts(data, cut + 1, end, out);
}

function countBreaks(data: Buffer, from: number, to: number): number {
  let count = 0;
  let at = data.indexOf(0x0a, from);
  while (at >= 0 && at < to) {
    count += 1;
    at = data.indexOf(0x0a, at + 1);
  }
  return count;
}
