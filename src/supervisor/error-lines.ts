import { RE2JS } from 're2js';
import { countBreaks, yieldToEventLoop } from './output-scan.js';
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
 * Bytes searched in one synchronous step. Smaller than grep's 1 MiB: when every line is a
 * candidate, each is tested on its own (tens of ms per 256 KiB of short matching lines).
 */
export const ERROR_SCAN_CHUNK_BYTES = 262_144;

/** Bounds of one error-line scan. */
export const ERROR_LINE_LIMITS = { maxLines: 20, maxLineChars: 300, maxScanBytes: 64 * 1024 * 1024 } as const;

// Only a yes/no test per candidate line: a find that must report positions runs re2js's NFA from
// the start of the search (about 300 ms for a match at the end of a 1 MiB step: measured, it
// stalled /healthz), and even a yes/no test over a region that matches costs ~10 ms per 256 KiB.
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
 * tests only the lines that hold a literal of the pattern (see matchingLineStarts); at most
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
    if (chunkStart + data.length > from) {
      // The first line starting at or after `from`; the end of the last line starting before `end`.
      const skip = Math.max(0, from - chunkStart);
      const scanAt = skip === 0 || data[skip - 1] === 0x0a ? skip : data.indexOf(0x0a, skip) + 1 || data.length;
      const stop = Math.min(data.length, end - chunkStart);
      const scanEnd = stop <= scanAt ? scanAt : stop === data.length || data[stop - 1] === 0x0a ? stop : data.indexOf(0x0a, stop - 1) + 1 || data.length;
      const candidates = candidateLineStarts(data, scanAt, scanEnd);
      // A step tests at most MAX_CANDIDATES_PER_STEP lines; the next step starts at the first one left.
      if (candidates.length > MAX_CANDIDATES_PER_STEP) data = data.subarray(0, candidates[MAX_CANDIDATES_PER_STEP]);
      result.scanned_bytes += Math.max(0, Math.min(stop, data.length) - scanAt);
      const pattern = errorPattern();
      let counted = 0;
      for (const lineStart of candidates.slice(0, MAX_CANDIDATES_PER_STEP)) {
        const breakAt = data.indexOf(0x0a, lineStart);
        const lineEnd = breakAt < 0 ? data.length : breakAt;
        if (!pattern.test(data.subarray(lineStart, lineEnd))) continue;
        line += countBreaks(data, counted, lineStart);
        counted = lineStart;
        if (result.lines.length >= ERROR_LINE_LIMITS.maxLines) {
          result.more += 1;
          continue;
        }
        let text = data.subarray(lineStart, lineEnd).toString('utf8').replace(/\r$/, '');
        if (text.length > ERROR_LINE_LIMITS.maxLineChars) text = `${text.slice(0, ERROR_LINE_LIMITS.maxLineChars)}…`;
        result.lines.push({ line, text });
      }
      line += countBreaks(data, counted, data.length);
    } else {
      line += countBreaks(data, 0, data.length);
    }
    const chunkEnd = chunkStart + data.length;
    position = chunkEnd;
    if (position < end) await yieldToEventLoop();
  }
  return result;
}

/**
 * Byte strings of which every match of ERROR_LINE_SOURCE holds at least one (error/Error and
 * …Error hold "rror", ERROR "RROR", FAIL/FAILED "FAIL", failed/failing "fail", fatal "atal",
 * FATAL "ATAL", and the rest themselves). Keep in step with the pattern.
 */
const LITERALS = ['rror', 'RROR', 'FAIL', 'fail', 'atal', 'ATAL', 'panic', 'Traceback', 'Exception'].map((text) => Buffer.from(text));

/** Candidate lines tested in one step at most (a few µs each: ~10 ms when every line is one). */
const MAX_CANDIDATES_PER_STEP = 2048;

/**
 * The starts, ascending, of the lines in [start, end) (both line boundaries) that hold one of
 * LITERALS, found with Buffer.indexOf (memchr-fast): only these can match, and each is then tested
 * on its own with RE2's yes/no test, so no regex pass runs over lines that cannot match.
 */
function candidateLineStarts(data: Buffer, start: number, end: number): number[] {
  const candidates = new Set<number>();
  for (const literal of LITERALS) {
    let at = data.indexOf(literal, start);
    while (at >= 0 && at < end) {
      candidates.add(at === 0 ? 0 : data.lastIndexOf(0x0a, at - 1) + 1);
      const lineEnd = data.indexOf(0x0a, at);
      if (lineEnd < 0) break;
      at = data.indexOf(literal, lineEnd + 1);
    }
  }
  return [...candidates].sort((a, b) => a - b);
}
