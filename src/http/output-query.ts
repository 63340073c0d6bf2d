import * as v from 'valibot';
import { ProcvisorError } from '../errors.js';
import { invalidQuery } from './request-checks.js';
import type { WaitCondition } from '../supervisor/output-wait.js';
import { DEFAULT_GREP_OPTIONS, GREP_LIMITS, type GrepOptions } from '../supervisor/output-grep.js';
import { compilePattern, type Pattern } from '../supervisor/pattern.js';
import { MAX_DURATION_MS, MAX_PATTERN_CHARS } from '../protocol/request-schemas.js';

/** Most bytes a cursor read (`delta`) returns in one response. */
export const MAX_DELTA_BYTES = 65_536;

/** Longest `path` of an http wait. */
export const MAX_PROBE_PATH_CHARS = 1024;

const integerString = (min: number, max: number) =>
  v.pipe(v.string(), v.regex(/^\d{1,16}$/, 'must be a whole number'), v.transform(Number), v.integer(), v.minValue(min), v.maxValue(max));

/**
 * Query of `GET /{id}/output`. `wait=true` is the reference's (block until exit); any other
 * unknown `wait` value means no wait, as in the reference. procvisor adds `wait=exit|output|
 * match|quiet|input|port|http`, `cursor`, `pattern`, `quiet_ms`, `timeout_ms`, `limit`, `grep`
 * (with `context` and `max_matches`), `lines`, `omit_output`, and for the port waits `port`
 * (1-65535), `path` (default `/`) and `status` (`200-399` by default). Patterns use RE2 syntax
 * (linear-time matching).
 */
export const OutputQuerySchema = v.object({
  wait: v.optional(v.string()),
  cursor: v.optional(integerString(0, Number.MAX_SAFE_INTEGER)),
  pattern: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_PATTERN_CHARS))),
  quiet_ms: v.optional(integerString(1, MAX_DURATION_MS)),
  timeout_ms: v.optional(integerString(1, MAX_DURATION_MS)),
  limit: v.optional(integerString(1, MAX_DELTA_BYTES)),
  port: v.optional(integerString(1, 65_535)),
  path: v.optional(v.pipe(v.string(), v.maxLength(MAX_PROBE_PATH_CHARS), v.regex(/^\/[\x21-\x7e]*$/, 'must start with "/" and hold printable ASCII without spaces'))),
  status: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^[1-5]\d\d(-[1-5]\d\d)?$/, 'must be a status or a range such as 200-399'),
      v.transform((text) => {
        const [low = '0', high = low] = text.split('-');
        return { min: Number(low), max: Number(high) };
      }),
      v.check((range) => range.min <= range.max, 'the range must not be empty'),
    ),
  ),
  grep: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_PATTERN_CHARS))),
  context: v.optional(integerString(0, GREP_LIMITS.contextLines)),
  max_matches: v.optional(integerString(1, GREP_LIMITS.maxMatches)),
  omit_output: v.optional(v.picklist(['true', 'false'])),
  lines: v.optional(v.pipe(v.string(), v.regex(/^\d{1,9}-\d{1,9}$/, 'must be FIRST-LAST, 1-based line numbers'))),
  error_lines: v.optional(v.pipe(v.string(), v.regex(/^\d{1,16}-\d{1,16}$/, 'must be FROM-TO, byte offsets'))),
});

/** A grep read: the pattern and its bounds. */
export interface GrepQuery {
  pattern: Pattern;
  options: GrepOptions;
}

export interface OutputQuery {
  /** What to wait for, or null for a snapshot. */
  condition: WaitCondition | null;
  /** The client's wait limit (the server cap still applies). */
  timeoutMs: number | null;
  /** Return the bytes from this cursor on (`delta`). */
  cursor: number | null;
  limit: number;
  /** Search the whole output for matching lines (`grep`), or null. */
  grep: GrepQuery | null;
  /** Byte range whose error-looking lines to list (`error_lines=FROM-TO`, TO exclusive), or null. */
  errorLines: { from: number; to: number } | null;
  /** Lines to read (`lines=FIRST-LAST`, 1-based, inclusive), or null. */
  lines: { first: number; last: number } | null;
  /** Leave the head+tail `output` (and `truncated`) out of the answer (`omit_output=true`). */
  omitOutput: boolean;
  /** True when any procvisor extension was used: the response then carries its extra fields. */
  extended: boolean;
}

/** The first value of each query parameter (the reference reads the first one too). */
export function firstValues(query: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[key] = first;
  }
  return out;
}

/**
 * Parses and checks the output query. `currentEnd` is the process's output end now: the
 * default cursor of `wait=output` (wait for output after this request). INVALID_REQUEST with
 * the parameter named when a value is malformed or a needed one is missing.
 */
export function parseOutputQuery(raw: Record<string, string>, currentEnd: number): OutputQuery {
  const result = v.safeParse(OutputQuerySchema, raw);
  if (!result.success) {
    throw invalidQuery(result.issues);
  }
  const q = result.output;
  const cursor = q.cursor ?? null;
  let condition: WaitCondition | null;
  switch (q.wait) {
    case 'true':
    case 'exit':
      condition = { kind: 'exit' };
      break;
    case 'output':
      condition = { kind: 'output', cursor: cursor ?? currentEnd };
      break;
    case 'match':
      if (q.pattern === undefined) throw new ProcvisorError('INVALID_REQUEST', 'Invalid query parameter.', { detail: 'pattern: required with wait=match' });
      condition = { kind: 'match', cursor: cursor ?? 0, pattern: compilePattern(q.pattern) };
      break;
    case 'quiet':
      if (q.quiet_ms === undefined) throw new ProcvisorError('INVALID_REQUEST', 'Invalid query parameter.', { detail: 'quiet_ms: required with wait=quiet' });
      condition = { kind: 'quiet', quietMs: q.quiet_ms };
      break;
    case 'input':
      condition = { kind: 'input' };
      break;
    case 'port':
      condition = { kind: 'port', port: q.port ?? null };
      break;
    case 'http':
      if (q.port === undefined) throw new ProcvisorError('INVALID_REQUEST', 'Invalid query parameter.', { detail: 'port: required with wait=http' });
      condition = { kind: 'http', port: q.port, path: q.path ?? '/', statusMin: q.status?.min ?? 200, statusMax: q.status?.max ?? 399 };
      break;
    default:
      condition = null;
  }
  const extended =
    (q.wait !== undefined && q.wait !== 'true' && condition !== null) ||
    q.cursor !== undefined ||
    q.pattern !== undefined ||
    q.quiet_ms !== undefined ||
    q.timeout_ms !== undefined ||
    q.limit !== undefined ||
    q.port !== undefined ||
    q.path !== undefined ||
    q.status !== undefined ||
    q.grep !== undefined ||
    q.omit_output !== undefined ||
    q.lines !== undefined ||
    q.error_lines !== undefined;
  let errorLines: { from: number; to: number } | null = null;
  if (q.error_lines !== undefined) {
    const [from = 0, to = 0] = q.error_lines.split('-').map(Number);
    if (to < from) throw new ProcvisorError('INVALID_REQUEST', 'Invalid query parameter.', { detail: 'error_lines: must be FROM-TO with FROM <= TO' });
    errorLines = { from, to };
  }
  let lines: { first: number; last: number } | null = null;
  if (q.lines !== undefined) {
    const [first = 0, last = 0] = q.lines.split('-').map(Number);
    if (first < 1 || last < first) throw new ProcvisorError('INVALID_REQUEST', 'Invalid query parameter.', { detail: 'lines: must be FIRST-LAST with 1 <= FIRST <= LAST' });
    lines = { first, last };
  }
  const grep =
    q.grep === undefined
      ? null
      : {
          pattern: compilePattern(q.grep, 'grep'),
          options: { ...DEFAULT_GREP_OPTIONS, ...(q.context === undefined ? {} : { contextLines: q.context }), ...(q.max_matches === undefined ? {} : { maxMatches: q.max_matches }) },
        };
  return { condition, timeoutMs: q.timeout_ms ?? null, cursor, limit: q.limit ?? MAX_DELTA_BYTES, grep, lines, errorLines, omitOutput: q.omit_output === 'true', extended };
}
