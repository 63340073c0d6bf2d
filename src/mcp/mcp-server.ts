import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../logger.js';
import type { ChatTool } from '../tools/chat-tool.js';

export interface McpServerOptions {
  tools: ChatTool[];
  version: string;
  log: Logger;
  /** Aborts every tool call in flight (at shutdown), besides the host's own cancellations. */
  signal?: AbortSignal;
}

const INSTRUCTIONS =
  'procvisor runs shell commands (sh -c) on this machine as tracked processes. Use execute for commands; ' +
  'a command still running at its timeout keeps running, and process_output re-attaches to it by id.';

/**
 * An MCP server exposing the chat tools: `tools/list` gives each tool's name, description and
 * JSON schema; `tools/call` runs it and answers with its text, `isError` for tool-level errors.
 * An unknown tool is a protocol error (InvalidParams). A host's cancellation aborts the call.
 * Uses the SDK's low-level Server because the tools bring their own JSON schemas (McpServer
 * wants zod schemas).
 */
export function createMcpServer(options: McpServerOptions): Server {
  const tools = new Map(options.tools.map((tool) => [tool.name, tool]));
  const server = new Server({ name: 'procvisor', version: options.version }, { capabilities: { tools: {} }, instructions: INSTRUCTIONS });
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: options.tools.map((tool) => ({ name: tool.name, description: tool.description, inputSchema: tool.inputSchema })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const tool = tools.get(request.params.name);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `Unknown tool ${JSON.stringify(request.params.name)}.`);
    const signal = options.signal ? AbortSignal.any([extra.signal, options.signal]) : extra.signal;
    const started = performance.now();
    const response = await tool.run(request.params.arguments, { signal });
    options.log.debug({ tool: tool.name, is_error: response.isError, duration_ms: Math.round(performance.now() - started) }, 'tool call');
    return { content: [{ type: 'text', text: response.text }], isError: response.isError };
  });
  server.onerror = (error) => options.log.warn({ err: error }, 'mcp protocol error');
  return server;
}
