import { SCAN_CHUNK_BYTES, countBreaks, yieldToEventLoop } from './output-scan.js';
import type { Pattern } from './pattern.js';
import type { ProcessOutput } from './process-output.js';

/** One line of a grep answer: a matching line, or a context line around one. */
export interface GrepLine {
  /** 1-based line number, counted from the first readable byte (offset 0 when the output was spilled). */
  line: number;
  text: string;
  match: boolean;
}

export interface GrepOptions {
  /** Matching lines listed at most. */
  maxMatches: number;
  /** Lines of context before and after each match. */
  contextLines: number;
  /** Bytes of line text in the answer at most (then `more`). */
  maxBytes: number;
  /** Characters of one line at most (longer lines are cut, marked with `…`). */
  maxLineChars: number;
}

export interface GrepResult {
  lines: GrepLine[];
  /** Matching lines listed. */
  matches: number;
  /** True when the answer stopped at a bound with output left unsearched. */
  more: boolean;
  /** Bytes searched. */
  scanned_bytes: number;
  /** Bytes no longer readable (before the stream window, or past the spill's limit) and so not searched. */
  gap_bytes: number;
}

export const GREP_LIMITS = { maxMatches: 200, contextLines: 10, maxBytes: 65_536 } as const;
export const DEFAULT_GREP_OPTIONS: GrepOptions = { maxMatches: 20, contextLines: 2, maxBytes: 16_384, maxLineChars: 512 };

/**
 * Searches the whole readable output (spill file, then stream window) line by line for
 * `pattern`: each matching line once, with `contextLines` around it. Scans one chunk of
 * SCAN_CHUNK_BYTES per event-loop turn, so a 64 MiB grep never stalls other requests; context
 * does not reach across a chunk boundary. `signal` stops it early (the partial result is returned).
 */
export async function grepOutput(output: ProcessOutput, pattern: Pattern, options: GrepOptions, signal?: AbortSignal): Promise<GrepResult> {
  const result: GrepResult = { lines: [], matches: 0, more: false, scanned_bytes: 0, gap_bytes: 0 };
  let bytes = 0;
  let position = 0;
  let lineBase = 1;
  let lastEmitted = 0;
  const emit = (line: number, raw: Buffer, match: boolean): boolean => {
    if (line <= lastEmitted) {
      const existing = result.lines.find((entry) => entry.line === line);
      if (existing && match) existing.match = true;
      return true;
    }
    let text = raw.toString('utf8').replace(/\r$/, '');
    if (text.length > options.maxLineChars) text = `${text.slice(0, options.maxLineChars)}…`;
    const size = Buffer.byteLength(text);
    if (bytes + size > options.maxBytes && result.lines.length > 0) return false;
    bytes += size;
    result.lines.push({ line, text, match });
    lastEmitted = line;
    return true;
  };
  const end = output.totalBytes;
  while (position < end && !signal?.aborted) {
    const read = output.read(position, SCAN_CHUNK_BYTES);
    if (read.data.length === 0) {
      result.gap_bytes += end - position;
      break;
    }
    result.gap_bytes += read.from - position;
    // Line-aligned: stop after the last line break unless this is the end of what was written.
    let data = read.data;
    if (read.to < end) {
      const lastBreak = data.lastIndexOf(0x0a);
      if (lastBreak >= 0) data = data.subarray(0, lastBreak + 1);
    }
    const stop = grepChunk(data, lineBase, pattern, options, result, emit);
    result.scanned_bytes += data.length;
    if (stop) {
      result.more = true;
      break;
    }
    lineBase += countBreaks(data, 0, data.length);
    position = read.from + data.length;
    if (position < end) await yieldToEventLoop();
  }
  return result;
}

/** Greps one line-aligned chunk; true when a bound stopped it. */
function grepChunk(data: Buffer, lineBase: number, pattern: Pattern, options: GrepOptions, result: GrepResult, emit: (line: number, raw: Buffer, match: boolean) => boolean): boolean {
  let from = 0;
  let counted = 0;
  let lineAtCounted = lineBase;
  while (from < data.length) {
    const found = pattern.find(data, from);
    if (!found) return false;
    if (result.matches >= options.maxMatches) return true;
    const lineStart = lineStartBefore(data, found.start);
    const breakAt = data.indexOf(0x0a, found.start === found.end ? found.start : found.end - 1);
    const lineEnd = breakAt < 0 ? data.length : breakAt;
    lineAtCounted += countBreaks(data, counted, lineStart);
    counted = lineStart;
    const line = lineAtCounted;
    // Context before: walk back over whole lines inside this chunk.
    const before: { start: number; end: number }[] = [];
    let cursor = lineStart;
    while (before.length < options.contextLines && cursor > 0) {
      const start = lineStartBefore(data, cursor - 1);
      before.unshift({ start, end: cursor - 1 });
      cursor = start;
    }
    for (const [index, range] of before.entries()) {
      if (!emit(line - before.length + index, data.subarray(range.start, range.end), false)) return true;
    }
    if (!emit(line, data.subarray(lineStart, lineEnd), true)) return true;
    result.matches += 1;
    let next = lineEnd + 1;
    for (let index = 1; index <= options.contextLines && next < data.length; index += 1) {
      const breakAfter = data.indexOf(0x0a, next);
      const stopAt = breakAfter < 0 ? data.length : breakAfter;
      if (!emit(line + index, data.subarray(next, stopAt), false)) return true;
      next = stopAt + 1;
    }
    from = lineEnd + 1;
  }
  return false;
}

/** The offset where the line holding `at` starts. (Buffer.lastIndexOf takes a negative offset as counted from the end: never pass one.) */
function lineStartBefore(data: Buffer, at: number): number {
  return at <= 0 ? 0 : data.lastIndexOf(0x0a, at - 1) + 1;
}
