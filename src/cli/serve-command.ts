import { Option, type Command } from 'commander';
import type { Config } from '../config.js';
import type { CliIo } from './cli-io.js';
import { integerIn } from './parse-arguments.js';

interface ServeFlags {
  port?: number;
  host?: string;
  socket?: string;
  config?: string;
  dataDir?: string;
  logLevel?: Config['logLevel'];
}

const LOG_LEVELS: Config['logLevel'][] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** `procvisor serve`: the service in the foreground, as `npm start` runs it, with flags over the configuration. */
export function registerServe(program: Command, io: CliIo, finish: (code: number) => void): void {
  program
    .command('serve')
    .summary('run the service in the foreground')
    .description('Runs the service in the foreground until SIGINT or SIGTERM, then stops every process it started. Flags win over PROCVISOR_* variables and the config file.')
    .option('-p, --port <port>', 'TCP port; 0 picks a free one (default 8420)', integerIn(0, 65535))
    .option('--host <host>', 'address to listen on (default 127.0.0.1; another needs PROCVISOR_AUTH_TOKEN)')
    .option('--socket <path>', 'listen on this Unix socket (mode 0600) instead of TCP')
    .option('-c, --config <file>', 'JSON config file (as PROCVISOR_CONFIG)')
    .option('--data-dir <dir>', 'directory for durable state (config dataDir)')
    .addOption(new Option('--log-level <level>', 'log level (default info)').choices(LOG_LEVELS))
    .action(async (flags: ServeFlags) => finish(await serve(flags, io)));
}

/** The configuration overrides the flags make; unset flags leave the configuration alone. */
export function serveOverrides(flags: ServeFlags): Partial<Config> {
  return {
    ...(flags.port === undefined ? {} : { port: flags.port }),
    ...(flags.host === undefined ? {} : { host: flags.host }),
    ...(flags.socket === undefined ? {} : { socket: flags.socket }),
    ...(flags.dataDir === undefined ? {} : { dataDir: flags.dataDir }),
    ...(flags.logLevel === undefined ? {} : { logLevel: flags.logLevel }),
  };
}

/** Runs the service until it is signalled; resolves with its exit code (see runService). */
export async function serve(flags: ServeFlags, io: CliIo): Promise<number> {
  // Loaded only here: the other commands do not need the service's modules.
  const { runService } = await import('../run-service.js');
  const env = flags.config === undefined ? io.env : { ...io.env, PROCVISOR_CONFIG: flags.config };
  return runService({ env, overrides: serveOverrides(flags), stderr: io.stderr });
}
