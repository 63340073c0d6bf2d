#!/usr/bin/env node
// procvisor's command line. Each subcommand is a TypeScript module that exports
// `run(args: string[]): Promise<number>` (the exit code); tsx loads it, so there is no build step.
// A new subcommand is one more entry in COMMANDS.
import process from 'node:process';
import { URL } from 'node:url';
import { register } from 'tsx/esm/api';

const COMMANDS = {
  mcp: { module: '../src/mcp/main.ts', summary: 'serve the chat tools to an MCP host over stdio' },
};

function usage() {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`);
  return `Usage: procvisor <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nprocvisor <command> --help describes a command.\n`;
}

const [name, ...args] = process.argv.slice(2);
if (name === undefined) {
  process.stderr.write(usage());
  process.exit(2);
}
if (name === '--help' || name === '-h' || name === 'help') {
  process.stdout.write(usage());
  process.exit(0);
}
const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
if (command === undefined) {
  process.stderr.write(`procvisor: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
  process.exit(2);
}
register();
const { run } = await import(new URL(command.module, import.meta.url).href);
// Exit explicitly: a subcommand is done when run() resolves, whatever handles remain.
process.exit(await run(args));
