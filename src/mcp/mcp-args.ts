import { parseArgs } from 'node:util';

export const MCP_USAGE = `Usage: procvisor mcp [--url <agent-url>]

Serves the chat tools execute, process_output, process_list and process_signal to an MCP host
over stdio. With --url (or PROCVISOR_URL) they drive that procvisor (or Coder agent) process API;
without, an embedded procvisor starts on 127.0.0.1 and stops with the server, killing every
process it started. Logs go to stderr (LOG_LEVEL, default info); stdout carries only MCP.

Options:
  --url <url>   base URL of the agent, e.g. http://127.0.0.1:8420
  -h, --help    print this help
`;

export interface McpArgs {
  /** The agent to drive; undefined means an embedded procvisor. */
  url: string | undefined;
  help: boolean;
}

/**
 * Reads the `mcp` subcommand's arguments; `PROCVISOR_URL` stands in for `--url`. Throws an
 * Error whose message says what is wrong (an unknown option, a URL that is not http(s)).
 */
export function parseMcpArgs(args: string[], env: NodeJS.ProcessEnv): McpArgs {
  const { values } = parseArgs({
    args,
    options: { url: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: false,
  });
  const url = values.url ?? (env.PROCVISOR_URL || undefined);
  if (url !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new Error(`--url ${JSON.stringify(url)} is not a URL.`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`--url ${JSON.stringify(url)} must be an http or https URL.`);
  }
  return { url, help: values.help === true };
}
