import { InvalidArgumentError } from 'commander';

/** Longest duration the API takes (one week), in ms; the server checks it too. */
const MAX_DURATION_MS = 7 * 24 * 3600 * 1000;

/** Commander parser of a whole number in [min, max]: `--port 8420`. */
export function integerIn(min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^\d{1,16}$/.test(value)) throw new InvalidArgumentError('Not a whole number.');
    const parsed = Number(value);
    if (parsed < min || parsed > max) throw new InvalidArgumentError(`Must be between ${min} and ${max}.`);
    return parsed;
  };
}

/** Commander parser of a duration in ms (1 ms to one week). */
export const durationMs = integerIn(1, MAX_DURATION_MS);

/** Commander collector of repeated `--env NAME=VALUE` into an object; later wins. */
export function envPair(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const equals = value.indexOf('=');
  if (equals <= 0) throw new InvalidArgumentError('Expected NAME=VALUE.');
  return { ...previous, [value.slice(0, equals)]: value.slice(equals + 1) };
}
