import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import type { CliIo } from './cli-io.js';
import { registerKill } from './kill-command.js';
import { registerLogs } from './logs-command.js';
import { registerMcp } from './mcp-command.js';
import { registerPs } from './ps-command.js';
import { registerRun } from './run-command.js';
import { registerServe } from './serve-command.js';
import { USAGE_EXIT_CODE } from './usage-error.js';

const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * The `procvisor` program: its subcommands, writing through `io`. Each action reports its exit
 * code through `finish`. Options are positional (a command's options follow its name), so that
 * `run` and `mcp` can pass everything after them through.
 */
export function createProgram(io: CliIo, finish: (code: number) => void): Command {
  const program = new Command('procvisor')
    .description('A process supervisor for programs that drive shell commands over HTTP.')
    .version(PACKAGE_VERSION, '-V, --version')
    .usage('<command> [options]')
    .enablePositionalOptions()
    .showSuggestionAfterError()
    .exitOverride()
    .configureHelp({ subcommandTerm: (command) => command.name() })
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // commander says `error: …`; the CLI's other errors say `procvisor: …`.
      outputError: (text, write) => write(text.replace(/^error: /, 'procvisor: ')),
    });
  program.addHelpText(
    'after',
    '\nClient commands talk to the service at --url (default: $PROCVISOR_URL or http://127.0.0.1:8420).\n`procvisor <command> --help` describes a command.\n',
  );
  registerServe(program, io, finish);
  registerRun(program, io, finish);
  registerPs(program, io, finish);
  registerLogs(program, io, finish);
  registerKill(program, io, finish);
  registerMcp(program, finish);
  return program;
}

/**
 * Runs the CLI on `argv` (the arguments after `procvisor`) and resolves with the exit code:
 * the command's own, 0 after `--help`/`--version`, 2 for a usage error (commander's messages on
 * stderr), 2 with the help on stderr when no command was given.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode = 0;
  const program = createProgram(io, (code) => (exitCode = code));
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // Help and version asked for exit 0; anything else (no command, unknown option) is a usage error.
    return error.exitCode === 0 ? 0 : USAGE_EXIT_CODE;
  }
  return exitCode;
}
