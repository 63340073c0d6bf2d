import { SCAN_CHUNK_BYTES, yieldToEventLoop } from './output-scan.js';
import { compilePattern, type Pattern } from './pattern.js';
import type { ProcessOutput } from './process-output.js';

/**
 * What an error-looking line is (RE2 syntax, so linear-time on the service thread): one of the
 * words error, Error, ERROR, FAIL, FAILED, failed, failing, fatal, FATAL, panic, Traceback,
 * Exception as a whole word (covers `file:line:col: error`, tsc's `file(l,c): error TS…`, mocha's
 * `N failing`, Go's `panic:`, Python's `Traceback (most recent call last):`), or a word ending in
 * Error or Exception (`AssertionError`, `TypeError`, `NullPointerException`).
 */
export const ERROR_LINE_SOURCE = String.raw`\b(?:error|Error|ERROR|FAIL|FAILED|failed|failing|fatal|FATAL|panic|Traceback|Exception)\b|[A-Za-z](?:Error|Exception)\b`;

/** Bounds of one error-line scan. */
export const ERROR_LINE_LIMITS = { maxLines: 20, maxLineChars: 300, maxScanBytes: 64 * 1024 * 1024 } as const;

let compiled: Pattern | null = null;
function errorPattern(): Pattern {
  return (compiled ??= compilePattern(ERROR_LINE_SOURCE, 'error_lines'));
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
 * SCAN_CHUNK_BYTES per event-loop turn: before `from` it only counts line breaks; in the range it
 * runs the RE2 pattern; at most ERROR_LINE_LIMITS.maxScanBytes of the range. `signal` stops it early.
 */
export async function findErrorLines(output: ProcessOutput, from: number, to: number, signal?: AbortSignal): Promise<ErrorLinesResult> {
  const result: ErrorLinesResult = { lines: [], more: 0, scanned_bytes: 0 };
  const end = Math.min(to, output.totalBytes, from + ERROR_LINE_LIMITS.maxScanBytes);
  let position = 0;
  let line = 1;
  const pattern = errorPattern();
  while (position < end && !signal?.aborted) {
    const read = output.read(position, SCAN_CHUNK_BYTES);
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
      // Line breaks before the range (or the first line starting in it) only count.
      const skip = Math.max(0, from - chunkStart);
      // The first line starting at or after `from`.
      let scanAt = skip === 0 || data[skip - 1] === 0x0a ? skip : data.indexOf(0x0a, skip) + 1 || data.length;
      line += countBreaks(data, 0, scanAt);
      let counted = scanAt;
      const stopAt = Math.min(data.length, end - chunkStart);
      result.scanned_bytes += Math.max(0, stopAt - scanAt);
      while (scanAt < stopAt) {
        const found = pattern.find(data, scanAt);
        if (!found) break;
        const lineStart = found.start === 0 ? 0 : data.lastIndexOf(0x0a, found.start - 1) + 1;
        if (lineStart >= stopAt) break;
        const breakAt = data.indexOf(0x0a, found.start);
        const lineEnd = breakAt < 0 ? data.length : breakAt;
        line += countBreaks(data, counted, lineStart);
        counted = lineStart;
        if (result.lines.length < ERROR_LINE_LIMITS.maxLines) {
          let text = data.subarray(lineStart, lineEnd).toString('utf8').replace(/\r$/, '');
          if (text.length > ERROR_LINE_LIMITS.maxLineChars) text = `${text.slice(0, ERROR_LINE_LIMITS.maxLineChars)}…`;
          result.lines.push({ line, text });
        } else {
          result.more += 1;
        }
        scanAt = lineEnd + 1;
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

function countBreaks(data: Buffer, from: number, to: number): number {
  let count = 0;
  let at = data.indexOf(0x0a, from);
  while (at >= 0 && at < to) {
    count += 1;
    at = data.indexOf(0x0a, at + 1);
  }
  return count;
}
