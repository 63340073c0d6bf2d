import type { Command } from 'commander';
import type { CliIo } from './cli-io.js';
import { addClientOptions, withClient, type ClientFlags } from './client-options.js';
import { PROCESS_COLUMNS, processRow } from './format-process.js';
import { formatTable } from './format-table.js';

interface PsFlags extends ClientFlags {
  /** false with `--no-trunc`. */
  trunc: boolean;
}

/** `procvisor ps`: the service's process list. */
export function registerPs(program: Command, io: CliIo, finish: (code: number) => void): void {
  addClientOptions(
    program
      .command('ps')
      .summary('list processes')
      .description("Lists the service's processes: running first, then the most recent (at most its listLimit).")
      .option('--no-trunc', 'show full ids and whole commands'),
  ).action(async (flags: PsFlags) => finish(await ps(flags, io)));
}

/** The terminal's width, `COLUMNS` when not a terminal, or undefined (no cutting) for a pipe. */
export function outputWidth(io: CliIo): number | undefined {
  if (io.stdout.isTTY && io.stdout.columns) return io.stdout.columns;
  const columns = Number(io.env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : undefined;
}

/** Prints the list as a table (commands cut to the terminal's width) or, with `--json`, the service's answer. */
export async function ps(flags: PsFlags, io: CliIo): Promise<number> {
  return withClient(flags, io, async ({ client, json }) => {
    const answer = await client.listProcesses();
    if (json) {
      io.stdout.write(`${JSON.stringify(answer)}\n`);
      return 0;
    }
    const rows = answer.processes.map((info) => processRow(info, io.now(), !flags.trunc));
    const width = flags.trunc ? outputWidth(io) : undefined;
    io.stdout.write(formatTable(PROCESS_COLUMNS, rows, width === undefined ? {} : { maxWidth: width }));
    return 0;
  });
}
