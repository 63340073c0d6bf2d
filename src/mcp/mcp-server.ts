import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ProcessEvent } from '../client/process-api.js';
import type { Logger } from '../logger.js';
import type { ChatTool, ToolResponse } from '../tools/chat-tool.js';
import { ExitNotices, runningProcessIds } from './exit-notices.js';
import { TOOL_METADATA } from './tool-metadata.js';

export interface McpServerOptions {
  tools: ChatTool[];
  version: string;
  log: Logger;
  /** Aborts every tool call in flight (at shutdown), besides the host's own cancellations. */
  signal?: AbortSignal;
  /** How often a waiting call reports progress when the host sent a progress token. */
  progressIntervalMs?: number;
  /**
   * The service's process events (e.g. the SDK's `processEvents({after: 0, signal})`): with them,
   * the server declares the logging capability and sends a `notifications/message` when a process
   * a tool call left running ends (see ExitNotices). The caller ends the stream (its signal).
   */
  events?: AsyncIterable<ProcessEvent>;
}

/** Progress notifications of a waiting call, this often (when the host asked with a progress token). */
export const DEFAULT_PROGRESS_INTERVAL_MS = 1000;

const INSTRUCTIONS =
  'procvisor runs shell commands (sh -c) on this machine as tracked processes. Use execute for commands; ' +
  'a command still running at its timeout keeps running, and process_output re-attaches to it by id. ' +
  'execute wait_for returns at a pattern, wait_for_port when a server listens (dev servers), lifetime ends runaway commands; ' +
  'with stdin, execute returns as soon as the command waits for input (waiting_for_input.prompt) and process_input answers it; ' +
  'when a process a call left running ends, a logging notification (logger procvisor) says so with its exit code and last lines; ' +
  'process_output since returns only new output, grep searches the whole output. Patterns use RE2 syntax.';

/**
 * An MCP server exposing the chat tools: `tools/list` gives each tool's name, description, JSON
 * schema, hints (annotations) and output schema; `tools/call` runs it. A result's fields come
 * as `structuredContent` and as JSON text; its `output` (command output) comes once, as its own
 * plain text block, never JSON-escaped inside another string. While a call waits, a host that
 * sent a progress token gets a progress notification every second; with `events`, the client
 * hears when a process it left running ends (a logging notification). An unknown tool is a
 * protocol error (InvalidParams). A host's cancellation aborts the call. Uses the SDK's low-level
 * Server because the tools bring their own JSON schemas (McpServer wants zod schemas).
 */
export function createMcpServer(options: McpServerOptions): Server {
  const tools = new Map(options.tools.map((tool) => [tool.name, tool]));
  const progressIntervalMs = options.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS;
  const server = new Server({ name: 'procvisor', version: options.version }, { capabilities: { tools: {}, ...(options.events ? { logging: {} } : {}) }, instructions: INSTRUCTIONS });
  const notices = options.events ? new ExitNotices(server, options.log) : null;
  if (notices && options.events) void notices.run(options.events);
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: options.tools.map((tool) => {
      const metadata = TOOL_METADATA[tool.name];
      return {
        name: tool.name,
        description: tool.description,
        inputSchema: tool.inputSchema,
        ...(metadata ? { annotations: metadata.annotations, outputSchema: metadata.outputSchema } : {}),
      };
    }),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const tool = tools.get(request.params.name);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `Unknown tool ${JSON.stringify(request.params.name)}.`);
    const signal = options.signal ? AbortSignal.any([extra.signal, options.signal]) : extra.signal;
    const started = performance.now();
    const progressToken = request.params._meta?.progressToken;
    let ticks = 0;
    const progress =
      progressToken === undefined
        ? null
        : setInterval(() => {
            ticks += 1;
            extra
              .sendNotification({ method: 'notifications/progress', params: { progressToken, progress: ticks, message: `${tool.name}: waiting, ${Math.round((performance.now() - started) / 1000)} s` } })
              .catch((error: unknown) => options.log.debug({ err: error }, 'progress notification failed'));
          }, progressIntervalMs);
    let response: ToolResponse;
    try {
      response = await tool.run(request.params.arguments, { signal });
    } finally {
      if (progress) clearInterval(progress);
    }
    if (notices && !response.isError) for (const id of runningProcessIds(response.text)) notices.track(id);
    options.log.debug({ tool: tool.name, is_error: response.isError, duration_ms: Math.round(performance.now() - started) }, 'tool call');
    return toCallToolResult(response, TOOL_METADATA[tool.name] !== undefined);
  });
  server.onerror = (error) => options.log.warn({ err: error }, 'mcp protocol error');
  return server;
}

/**
 * A tool's response as an MCP result. Tool errors stay plain text. A JSON result object is split:
 * its fields (without `output`) as structured content and JSON text, its `output` as a second,
 * plain text block (so 33 KB of output is about 33 KB on the wire, not 66 KB).
 */
export function toCallToolResult(response: ToolResponse, structured: boolean): CallToolResult {
  const plain: CallToolResult = { content: [{ type: 'text', text: response.text }], isError: response.isError };
  if (response.isError || !structured) return plain;
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.text);
  } catch {
    return plain;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return plain;
  const { output, ...fields } = parsed as Record<string, unknown>;
  if (typeof output !== 'string' || output === '') {
    return { content: [{ type: 'text', text: response.text }], structuredContent: parsed as Record<string, unknown>, isError: false };
  }
  const meta = { ...fields, output_bytes: Buffer.byteLength(output) };
  return {
    content: [
      { type: 'text', text: JSON.stringify(meta) },
      { type: 'text', text: output },
    ],
    structuredContent: meta,
    isError: false,
  };
}
