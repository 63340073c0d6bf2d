import type { ProcessOutput } from './process-output.js';

/** Longest prompt reported, in characters (the end of the line is kept). */
export const MAX_PROMPT_CHARS = 256;
/** Lines and characters an `exited` event carries at most. */
export const MAX_LAST_LINES = 10;
export const MAX_LAST_LINES_CHARS = 2048;
/** Bytes of the output end read to find them. */
const TAIL_BYTES = 4096;

// CSI and OSC escape sequences, and other C0 controls but tab and newline: a terminal's prompt
// often comes with colours or cursor moves.
// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]|[\x00-\x08\x0b-\x1f\x7f]/g;

function cleanTail(output: ProcessOutput): string {
  return output.tail(TAIL_BYTES).toString('utf8').replace(/\r\n/g, '\n').replace(ESCAPES, '');
}

/** The last line of the output, partial or complete, without escapes; the last MAX_PROMPT_CHARS characters. */
export function promptLine(output: ProcessOutput): string {
  const lines = cleanTail(output).split('\n');
  // A prompt ends with the line (`Name? `), or a program printed it with a newline and then read.
  const last = lines.at(-1) === '' ? (lines.at(-2) ?? '') : (lines.at(-1) ?? '');
  return last.slice(-MAX_PROMPT_CHARS);
}

/** The last MAX_LAST_LINES lines of the output (a final newline dropped), at most MAX_LAST_LINES_CHARS characters. */
export function lastLines(output: ProcessOutput): string[] {
  const text = cleanTail(output).replace(/\n$/, '');
  if (text === '') return [];
  const lines = text.split('\n').slice(-MAX_LAST_LINES);
  let budget = MAX_LAST_LINES_CHARS;
  const kept: string[] = [];
  for (let i = lines.length - 1; i >= 0 && budget > 0; i -= 1) {
    const line = (lines[i] ?? '').slice(-budget);
    kept.unshift(line);
    budget -= line.length + 1;
  }
  return kept;
}
