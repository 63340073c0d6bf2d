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
