import type { Command } from 'commander';

/**
 * `procvisor mcp [--url <agent-url>]`: the MCP server of src/mcp/main.ts. Its arguments, `--help`
 * included, pass through untouched to its own parser, so it behaves exactly as it did before the
 * CLI had a commander program.
 */
export function registerMcp(program: Command, finish: (code: number) => void): void {
  program
    .command('mcp')
    .summary('serve the chat tools to an MCP host over stdio')
    .description('Serves the chat tools to an MCP host over stdio (procvisor mcp --help).')
    .usage('[--url <agent-url>]')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .passThroughOptions()
    .argument('[args...]')
    .action(async (args: string[]) => {
      const { run } = await import('../mcp/main.js');
      finish(await run(args));
    });
}
