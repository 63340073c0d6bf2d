import type { ProcessApi } from '../client/process-api.js';

/** Most output bytes one tool result carries (the reference's cap, 32 KiB). */
export const MAX_NEW_OUTPUT_BYTES = 32 * 1024;
/** Of those, bytes from the start of the new output when it is cut; the rest is its end. */
export const NEW_OUTPUT_HEAD_BYTES = 8 * 1024;

/** New output for the model: `text` covers [from, to) minus `omittedBytes` cut from its middle. */
export interface NewOutput {
  text: string;
  from: number;
  to: number;
  /** Bytes left out of the middle (readable later with `grep` or `since`). */
  omittedBytes: number;
  /** Bytes between the cursor and the oldest byte still readable (lost before this read). */
  gapBytes: number;
}

/**
 * The output between `cursor` and `end`, for the model: all of it when it fits in
 * MAX_NEW_OUTPUT_BYTES; else its first whole lines (about NEW_OUTPUT_HEAD_BYTES) and its last
 * whole lines (the rest), where a build or test run says how it ended, with a marker naming the
 * bytes left out. Never more than `end`, so the next read from `end` repeats nothing.
 */
export async function readNewOutput(api: Required<Pick<ProcessApi, 'readOutput'>>, id: string, cursor: number, end: number, signal: AbortSignal | undefined): Promise<NewOutput> {
  if (end <= cursor) return { text: '', from: cursor, to: Math.max(cursor, end), omittedBytes: 0, gapBytes: 0 };
  const read = async (from: number, bytes: number): Promise<{ text: string; from: number; gap: number }> => {
    const response = await api.readOutput(id, { cursor: from, limit: Math.max(1, Math.min(bytes, 65_536)), omit_output: true }, { signal });
    const delta = response.delta ?? { cursor: from, text: '', gap_bytes: 0, has_more: false };
    return { text: delta.text, from: delta.cursor, gap: delta.gap_bytes };
  };
  if (end - cursor <= MAX_NEW_OUTPUT_BYTES) {
    const all = await read(cursor, end - cursor);
    return { text: all.text, from: all.from, to: end, omittedBytes: 0, gapBytes: all.gap };
  }
  const head = await read(cursor, NEW_OUTPUT_HEAD_BYTES);
  const tailBytes = MAX_NEW_OUTPUT_BYTES - NEW_OUTPUT_HEAD_BYTES;
  const tail = await read(end - tailBytes, tailBytes);
  // Whole lines only: the head up to its last line break, the tail from its first.
  const headBreak = head.text.lastIndexOf('\n');
  const headText = headBreak >= 0 ? head.text.slice(0, headBreak + 1) : head.text;
  const tailBreak = tail.text.indexOf('\n');
  const tailText = tailBreak >= 0 && tailBreak < tail.text.length - 1 ? tail.text.slice(tailBreak + 1) : tail.text;
  const omittedBytes = Math.max(0, end - cursor - head.gap - Buffer.byteLength(headText) - Buffer.byteLength(tailText));
  const marker = `[… ${omittedBytes} bytes omitted: use process_output with grep, or since …]\n`;
  const omittedFrom = head.from + Buffer.byteLength(headText);
  const errors = await omittedErrorLines(api, id, omittedFrom, omittedFrom + omittedBytes, signal);
  return { text: `${headText}${marker}${errors}${tailText}`, from: head.from, to: end, omittedBytes, gapBytes: head.gap };
}

/** Most bytes of error-looking lines added to a cut output (on top of MAX_NEW_OUTPUT_BYTES). */
export const MAX_ERROR_LINES_BYTES = 4096;

/**
 * The lines of the omitted part [from, to) that look like errors (the service's `error_lines`
 * heuristic over the whole output on disk), as `[line N] text` lines under a heading, at most
 * MAX_ERROR_LINES_BYTES, with a marker counting the ones left out. Empty when none matched or
 * the service cannot tell (an older agent: the read fails, and the cut output stays as it was).
 */
async function omittedErrorLines(api: Required<Pick<ProcessApi, 'readOutput'>>, id: string, from: number, to: number, signal: AbortSignal | undefined): Promise<string> {
  if (to <= from) return '';
  let found;
  try {
    found = (await api.readOutput(id, { error_lines: `${from}-${to}`, omit_output: true }, { signal })).error_lines;
  } catch (error) {
    if (signal?.aborted) throw error;
    return '';
  }
  if (found === undefined || found.lines.length === 0) return '';
  let text = '[error-looking lines in the omitted part, by line number:]\n';
  let more = found.more;
  for (const [index, entry] of found.lines.entries()) {
    const line = `[line ${entry.line}] ${entry.text}\n`;
    if (Buffer.byteLength(text) + Buffer.byteLength(line) > MAX_ERROR_LINES_BYTES) {
      more += found.lines.length - index;
      break;
    }
    text += line;
  }
  if (more > 0) text += `[… ${more} more error-looking lines omitted: process_output grep finds them …]\n`;
  return text;
}
