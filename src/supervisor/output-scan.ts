import type { Pattern } from './pattern.js';
import type { ProcessOutput } from './process-output.js';

/**
 * Bytes searched in one synchronous step. Chunks end at a line break where they can, so a match
 * within a line is never split; a single line longer than this is searched in pieces (a match
 * across a piece boundary is missed). Between steps the scan yields to the event loop.
 */
export const SCAN_CHUNK_BYTES = 1_048_576;
/** Longest text a match reports. */
export const MAX_MATCH_TEXT_CHARS = 1024;

/** A match at absolute byte `offset` (`end` one past its last byte). */
export interface FoundMatch {
  text: string;
  offset: number;
  end: number;
}

/** One scan step's outcome: a match, or where the next step resumes (before an unfinished last line). */
export interface ScanStep {
  match: FoundMatch | null;
  next: number;
  /** True when `next` reached the output's end (nothing more to scan until new output arrives). */
  caughtUp: boolean;
}

/**
 * Searches the output from `from` for `pattern`, one chunk at most (spill file or stream window,
 * see ProcessOutput.read). A cursor older than what is still readable snaps forward. An
 * unfinished last line (no line break yet) is searched, and searched again next step with
 * what followed, so a prompt without a newline still matches.
 */
export function scanStep(output: ProcessOutput, pattern: Pattern, from: number): ScanStep {
  const read = output.read(from, SCAN_CHUNK_BYTES);
  if (read.data.length === 0) return { match: null, next: read.from, caughtUp: true };
  const found = pattern.find(read.data);
  if (found) {
    return { match: { text: found.text.slice(0, MAX_MATCH_TEXT_CHARS), offset: read.from + found.start, end: read.from + found.end }, next: read.from + found.end, caughtUp: false };
  }
  const caughtUp = read.to >= output.totalBytes;
  if (!caughtUp) {
    // More follows already: go on after the last complete line of this chunk (or the whole chunk).
    const lastBreak = lastLineBreak(read.data);
    return { match: null, next: lastBreak < 0 || read.to - read.from < SCAN_CHUNK_BYTES ? read.to : read.from + lastBreak + 1, caughtUp };
  }
  const lastBreak = lastLineBreak(read.data);
  return { match: null, next: lastBreak < 0 ? read.from : read.from + lastBreak + 1, caughtUp };
}

function lastLineBreak(data: Buffer): number {
  return Math.max(data.lastIndexOf(0x0a), data.lastIndexOf(0x0d));
}

/** Resolves on the next turn of the event loop (lets requests in between scan steps). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Line breaks (`\n`) in `data` from byte `from` up to (not including) byte `to`. */
export
function countBreaks(data: Buffer, from: number, to: number): number {
  let count = 0;
  let at = data.indexOf(0x0a, from);
  while (at >= 0 && at < to) {
    count += 1;
    at = data.indexOf(0x0a, at + 1);
  }
  return count;
}
