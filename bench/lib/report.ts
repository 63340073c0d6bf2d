import { fmtSpread, median } from './stats.js';

/** One line of the final summary table. */
export interface Row {
  measurement: string;
  metric: string;
  floor: string;
  service: string;
  /** service/floor (or floor/service for a time: always "higher is worse" is not assumed, see `target`). */
  ratio: string;
  target: string;
  /** null: informational, no target. */
  met: boolean | null;
}

/**
 * The ratio, target and verdict cells of a row: `target` (`"<= 1.1"`, `">= 0.9"`) is printed as
 * given and is also what the median of `ratios` is checked against, so the two never disagree.
 */
export function judged(ratios: readonly number[], target: string): Pick<Row, 'ratio' | 'target' | 'met'> {
  const [op, limitText] = target.split(' ');
  const limit = Number(limitText);
  if ((op !== '<=' && op !== '>=') || !Number.isFinite(limit)) throw new Error(`bench: bad target ${JSON.stringify(target)}`);
  const m = median(ratios);
  return { ratio: fmtSpread(ratios), target, met: op === '<=' ? m <= limit : m >= limit };
}

/** Prints a measurement's detail line, indented under its title. */
export function detail(text: string): void {
  process.stdout.write(`  ${text}\n`);
}

export function title(text: string): void {
  process.stdout.write(`\n== ${text}\n`);
}

/** What every measurement gets from the driver. */
export interface MeasureContext {
  /** Monotonic ms by which the measurement should be done (it shortens its rounds to fit). */
  until: number;
  rounds: number;
}
