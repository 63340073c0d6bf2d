import { readFileSync } from 'node:fs';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { ProcvisorClient } from '../client/procvisor-client.js';
import { loadConfig, type Config } from '../config.js';
import { ProcvisorError } from '../errors.js';
import { createLogger } from '../logger.js';
import { startService, type Service } from '../service.js';
import { createChatTools } from '../tools/chat-tools.js';
import { MCP_USAGE, parseMcpArgs, type McpArgs } from './mcp-args.js';
import { createMcpServer } from './mcp-server.js';

const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * `procvisor mcp`: serves the chat tools over MCP on stdin/stdout until the host closes stdin,
 * the transport closes, or SIGINT/SIGTERM arrives; then aborts the tool calls in flight, closes
 * the client and the embedded service (which kills every process group it started) and resolves
 * with the exit code. A second signal during shutdown kills the process groups at once. Nothing
 * but MCP is written to stdout; logs go to stderr.
 */
export async function run(args: string[]): Promise<number> {
  let parsed: McpArgs;
  let config: Config;
  try {
    parsed = parseMcpArgs(args, process.env);
    // The embedded service listens on loopback only, on a free port.
    config = loadConfig(process.env, { host: '127.0.0.1', port: 0 });
  } catch (error) {
    const detail = error instanceof ProcvisorError && error.detail ? `\n${error.detail}` : '';
    process.stderr.write(`procvisor mcp: ${(error as Error).message}${detail}\n\n${MCP_USAGE}`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(MCP_USAGE);
    return 0;
  }
  const log = createLogger({ level: config.logLevel, base: { service: 'procvisor-mcp' } }, process.stderr);
  let service: Service | null = null;
  try {
    if (parsed.url === undefined) service = await startService({ config, log });
  } catch (error) {
    log.error({ err: error }, 'failed to start the embedded procvisor');
    return 1;
  }
  const embedded = service;
  const killGroups = (): void => embedded?.supervisor.killAllGroups();
  // Last line of defence: whatever ends this process, the embedded service's groups die with it.
  process.on('exit', killGroups);
  const url = parsed.url ?? embedded?.url ?? '';
  const client = new ProcvisorClient({ url, ...(embedded ? { serverMaxWaitMs: config.maxWaitMs } : {}) });
  const shutdown = new AbortController();
  // From the start of the history (after=0): an exit that happens while a tool call is still answering is not missed.
  const events = client.processEvents({ after: 0, signal: shutdown.signal });
  const server = createMcpServer({ tools: createChatTools({ client, processInput: true }), version: PACKAGE_VERSION, log, signal: shutdown.signal, events });

  let stop: (reason: string) => void = () => undefined;
  const stopped = new Promise<string>((resolve) => (stop = resolve));
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) killGroups();
    stopping = true;
    stop(signal);
  };
  const onStdinEnd = (): void => stop('stdin ended');
  server.onclose = () => stop('transport closed');
  process.stdin.once('end', onStdinEnd);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await server.connect(new StdioServerTransport());
    log.info({ url, embedded: embedded !== null }, 'mcp server ready');
    const reason = await stopped;
    stopping = true;
    log.info({ reason }, 'mcp server stopping');
    shutdown.abort(new Error('procvisor mcp is shutting down'));
    await server.close();
    await client.close();
    await embedded?.close();
    log.info('mcp server stopped');
    return 0;
  } catch (error) {
    log.error({ err: error }, 'mcp server failed');
    await client.close();
    await embedded?.close();
    return 1;
  } finally {
    process.stdin.off('end', onStdinEnd);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', killGroups);
  }
}
