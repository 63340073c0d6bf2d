import { timeQuote } from './go-quote.js';

/**
 * Go's `time.Duration`: signed nanoseconds in 64 bits, held in a bigint so that every value Go
 * can hold is exact.
 */
export type GoDuration = bigint;

const NANOSECOND = 1n;
const MICROSECOND = 1000n * NANOSECOND;
const MILLISECOND = 1000n * MICROSECOND;
const SECOND = 1000n * MILLISECOND;
const MINUTE = 60n * SECOND;
const HOUR = 60n * MINUTE;
const MAX_UINT63 = 1n << 63n;

const UNITS: Record<string, bigint> = {
  ns: NANOSECOND,
  us: MICROSECOND,
  'µs': MICROSECOND, // U+00B5 micro sign
  'μs': MICROSECOND, // U+03BC Greek mu
  ms: MILLISECOND,
  s: SECOND,
  m: MINUTE,
  h: HOUR,
};

/** A duration string Go's time.ParseDuration refuses; `message` is Go's own text. */
export class GoDurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GoDurationError';
  }
}

/**
 * Parses a duration exactly as Go's `time.ParseDuration`: a signed sequence of decimal numbers,
 * each with an optional fraction and a unit (`ns`, `us`/`µs`, `ms`, `s`, `m`, `h`), e.g. `300ms`,
 * `-1.5h`, `1m30s`. A bare number is refused except `0`. Throws GoDurationError with Go's
 * messages (`time: invalid duration "x"`, `time: missing unit in duration "1"`,
 * `time: unknown unit "d" in duration "1d"`), including for values beyond 64 bits.
 */
export function parseGoDuration(text: string): GoDuration {
  const invalid = (): GoDurationError => new GoDurationError(`time: invalid duration ${timeQuote(text)}`);
  let rest = text;
  let negative = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    negative = rest.startsWith('-');
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') throw invalid();
  let total = 0n;
  while (rest !== '') {
    const number = /^(\d*)(?:\.(\d*))?/.exec(rest);
    const whole = number?.[1] ?? '';
    const fraction = number?.[2];
    if (whole === '' && (fraction === undefined || fraction === '')) throw invalid();
    rest = rest.slice(number?.[0].length ?? 0);
    const unitText = /^[^.\d]*/.exec(rest)?.[0] ?? '';
    if (unitText === '') throw new GoDurationError(`time: missing unit in duration ${timeQuote(text)}`);
    rest = rest.slice(unitText.length);
    const unit = UNITS[unitText];
    if (unit === undefined) throw new GoDurationError(`time: unknown unit ${timeQuote(unitText)} in duration ${timeQuote(text)}`);
    const wholeValue = BigInt(whole === '' ? '0' : whole);
    if (wholeValue > MAX_UINT63 / unit) throw invalid();
    let value = wholeValue * unit;
    if (fraction !== undefined && fraction !== '') value += fractionNanos(fraction, unit);
    if (value > MAX_UINT63) throw invalid();
    total += value;
    if (total > MAX_UINT63) throw invalid();
  }
  if (negative) return -total;
  if (total > MAX_UINT63 - 1n) throw invalid();
  return total;
}

/**
 * The fraction's share of `unit`, computed as Go does: the digits (those that fit in 63 bits) as
 * an integer times `unit / 10^digits` in float64, truncated. Float64 keeps this nanosecond-exact
 * for every unit up to hours.
 */
function fractionNanos(digits: string, unit: bigint): bigint {
  let value = 0n;
  let scale = 1;
  for (const digit of digits) {
    const next = value * 10n + BigInt(digit);
    if (value > (MAX_UINT63 - 1n) / 10n || next > MAX_UINT63) break;
    value = next;
    scale *= 10;
  }
  return BigInt(Math.trunc(Number(value) * (Number(unit) / scale)));
}

/**
 * Formats a duration exactly as Go's `Duration.String`: `0s`, `1ns`, `1.5µs`, `500ms`, `1.5s`,
 * `10s`, `1m30s`, `5m0s`, `2h0m0s`, with a leading `-` when negative.
 */
export function formatGoDuration(duration: GoDuration): string {
  const negative = duration < 0n;
  let u = negative ? -duration : duration;
  let out: string;
  if (u < SECOND) {
    if (u === 0n) return '0s';
    if (u < MICROSECOND) out = `${u}ns`;
    else if (u < MILLISECOND) out = `${withFraction(u, 3)}µs`;
    else out = `${withFraction(u, 6)}ms`;
  } else {
    const seconds = withFraction(u % MINUTE, 9);
    u /= MINUTE;
    if (u === 0n) {
      out = `${seconds}s`;
    } else {
      const minutes = u % 60n;
      const hours = u / 60n;
      out = hours > 0n ? `${hours}h${minutes}m${seconds}s` : `${minutes}m${seconds}s`;
    }
  }
  return negative ? `-${out}` : out;
}

/** `value / 10^precision` with the fraction's trailing zeros (and a bare point) dropped. */
function withFraction(value: bigint, precision: number): string {
  const divisor = 10n ** BigInt(precision);
  const whole = value / divisor;
  const fraction = (value % divisor).toString().padStart(precision, '0').replace(/0+$/, '');
  return fraction === '' ? `${whole}` : `${whole}.${fraction}`;
}

/**
 * Milliseconds of a duration for a timer, rounded up so that a timer never fires before the
 * duration passed (`1.1ms` → 2, `500µs` → 1); zero and negative durations give 0 or less.
 */
export function toTimerMs(duration: GoDuration): number {
  const whole = duration / MILLISECOND;
  return Number(duration > 0n && duration % MILLISECOND !== 0n ? whole + 1n : whole);
}

/** A whole number of milliseconds as a duration. */
export function fromMilliseconds(ms: number): GoDuration {
  return BigInt(Math.trunc(ms)) * MILLISECOND;
}
