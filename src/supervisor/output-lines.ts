import { SCAN_CHUNK_BYTES, yieldToEventLoop } from './output-scan.js';
import type { ProcessOutput } from './process-output.js';

/** Most lines and bytes one line-range read returns. */
export const MAX_LINE_RANGE_LINES = 1000;
export const MAX_LINE_RANGE_BYTES = 65_536;

/** Lines `first`..`last` (1-based, inclusive) of the output, or fewer: `more` says the bound cut it. */
export interface LineRange {
  first: number;
  /** The last line returned (first - 1 when none). */
  last: number;
  text: string;
  more: boolean;
  /** Bytes no longer readable and so not counted (line numbers then start at the first readable byte). */
  gap_bytes: number;
}

/**
 * Reads lines `first`..`last` of the whole readable output (spill file, then stream window),
 * counting line breaks chunk by chunk (one chunk per event-loop turn), so line 500,000 of a
 * 50 MB log costs one pass and never stalls other requests. At most MAX_LINE_RANGE_LINES lines
 * and `maxBytes` bytes (then `more`). `signal` stops it early.
 */
export async function readLineRange(output: ProcessOutput, first: number, last: number, maxBytes = MAX_LINE_RANGE_BYTES, signal?: AbortSignal): Promise<LineRange> {
  const wanted = Math.min(last, first + MAX_LINE_RANGE_LINES - 1);
  const parts: Buffer[] = [];
  let bytes = 0;
  let line = 1;
  let position = 0;
  let gap = 0;
  let lastReturned = first - 1;
  let more = last > wanted;
  /** The current line has bytes in `parts` but no line break yet. */
  let open = false;
  const end = output.totalBytes;
  while (position < end && lastReturned < wanted && !signal?.aborted) {
    const read = output.read(position, SCAN_CHUNK_BYTES);
    if (read.data.length === 0) break;
    gap += read.from - position;
    const data = read.data;
    let at = 0;
    while (at < data.length && lastReturned < wanted) {
      const lineBreak = data.indexOf(0x0a, at);
      const stop = lineBreak < 0 ? data.length : lineBreak + 1;
      if (line >= first) {
        const piece = data.subarray(at, stop);
        if (bytes + piece.length > maxBytes) {
          more = true;
          return finish();
        }
        parts.push(piece);
        bytes += piece.length;
        open = piece.length > 0;
      }
      if (lineBreak < 0) {
        // An unfinished line: it continues in the next chunk (or is the last line so far).
        at = data.length;
        break;
      }
      if (line >= first) lastReturned = line;
      open = false;
      line += 1;
      at = stop;
    }
    position = read.from + at;
    // The output ends in an unfinished line: it counts as a line.
    if (position >= end && open) lastReturned = line;
    if (position < end) await yieldToEventLoop();
  }
  return finish();

  function finish(): LineRange {
    return { first, last: lastReturned, text: Buffer.concat(parts).toString('utf8'), more, gap_bytes: gap };
  }
}
