import { processIo } from './cli-io.js';
import { runCli } from './program.js';

/** Entry of `bin/procvisor.js`: the CLI on this process's arguments; resolves with the exit code. */
export function main(argv: readonly string[]): Promise<number> {
  return runCli(argv, processIo());
}
