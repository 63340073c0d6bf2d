import { RE2JS } from 're2js';
import { ProcvisorError } from '../errors.js';

/** A match: byte offsets into the searched bytes, and the matched text. */
export interface PatternMatch {
  start: number;
  end: number;
  text: string;
}

/**
 * A user pattern compiled for linear-time matching (RE2 syntax, via re2js: no backreferences or
 * lookaround; `^` and `$` match at line ends). No pattern can backtrack: a search costs time in
 * proportion to the bytes searched, so a pattern from a client can never stall the service.
 */
export interface Pattern {
  readonly source: string;
  /** The first match in `bytes` at or after byte `from`, or null. Offsets are byte offsets. */
  find(bytes: Uint8Array, from?: number): PatternMatch | null;
}

/** Compiles `source` (RE2 syntax, multi-line). INVALID_REQUEST naming `field` when it is not a valid RE2 pattern. */
export function compilePattern(source: string, field = 'pattern'): Pattern {
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(source, RE2JS.MULTILINE);
  } catch (error) {
    throw new ProcvisorError('INVALID_REQUEST', 'Invalid query parameter.', {
      detail: `${field}: ${(error as Error).message} (patterns use RE2 syntax)`,
    });
  }
  return {
    source,
    find(bytes, from = 0) {
      if (from >= bytes.length) return null;
      const matcher = compiled.matcher(bytes);
      if (!matcher.find(from)) return null;
      const start = matcher.start();
      const end = matcher.end();
      return { start, end, text: Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8') };
    },
  };
}
