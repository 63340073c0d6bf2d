import { Option, type Command } from 'commander';
import type { ProcessSignal } from '../client/process-api.js';
import { API_SIGNALS } from '../spawn/signals.js';
import type { CliIo } from './cli-io.js';
import { addClientOptions, withClient, type ClientFlags } from './client-options.js';
import { durationMs } from './parse-arguments.js';
import { resolveId } from './resolve-id.js';

interface KillFlags extends ClientFlags {
  signal: ProcessSignal;
  grace?: number;
}

/** `procvisor kill <id>`: sends a signal to a process's whole group. */
export function registerKill(program: Command, io: CliIo, finish: (code: number) => void): void {
  addClientOptions(
    program
      .command('kill')
      .summary('signal a process')
      .description('Sends a signal to a process (to its whole process group).')
      .argument('<id>', 'process id, or a prefix of one (the short id of ps)')
      .addOption(new Option('-s, --signal <name>', 'signal to send').choices(Object.keys(API_SIGNALS)).default('terminate'))
      .option('--grace <ms>', 'with terminate: send kill if the group still lives after this many ms', durationMs),
  ).action(async (id: string, flags: KillFlags) => finish(await kill(id, flags, io)));
}

/** Prints the service's confirmation (`Signal "terminate" sent to process "<id>".`), or its JSON answer. */
export async function kill(given: string, flags: KillFlags, io: CliIo): Promise<number> {
  return withClient(flags, io, async ({ client, json }) => {
    const id = await resolveId(client, given);
    const answer = await client.signalProcess(id, flags.signal, flags.grace === undefined ? {} : { graceMs: flags.grace });
    io.stdout.write(json ? `${JSON.stringify(answer)}\n` : `${answer.message}\n`);
    return 0;
  });
}
