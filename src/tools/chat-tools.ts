import type { ChatTool, ClientSource } from './chat-tool.js';
import { createExecuteTool } from './execute-tool.js';
import { createProcessInputTool } from './process-input-tool.js';
import { createProcessListTool } from './process-list-tool.js';
import { createProcessOutputTool } from './process-output-tool.js';
import { createProcessSignalTool } from './process-signal-tool.js';

export type { ChatTool, ClientSource, ToolContext, ToolInputSchema, ToolResponse } from './chat-tool.js';
export type { ExecuteResult } from './execute-result.js';
export { createExecuteTool, DEFAULT_EXECUTE_TIMEOUT_MS, EXECUTE_TOOL_NAME } from './execute-tool.js';
export { createProcessOutputTool, DEFAULT_PROCESS_OUTPUT_TIMEOUT_MS, PROCESS_OUTPUT_TOOL_NAME } from './process-output-tool.js';
export { createProcessListTool, PROCESS_LIST_TOOL_NAME } from './process-list-tool.js';
export { createProcessSignalTool, PROCESS_SIGNAL_TOOL_NAME } from './process-signal-tool.js';
export { createProcessInputTool, PROCESS_INPUT_TOOL_NAME } from './process-input-tool.js';
export { formatGoDuration, parseGoDuration, GoDurationError, type GoDuration } from './go-duration.js';
export { truncateOutput, MAX_OUTPUT_TO_MODEL_BYTES } from './truncate-output.js';

export interface ChatToolsOptions {
  /** The agent: a client (e.g. a ProcvisorClient) or a resolver called at every tool call. */
  client: ClientSource | undefined;
  /** execute's foreground wait when a call gives no `timeout` (10 s by default). */
  defaultTimeoutMs?: number;
  /** Adds procvisor's `process_input` tool (the fifth); off by default, leaving the reference's four. */
  processInput?: boolean;
}

/**
 * The four chat tools of the reference over one agent: `execute`, `process_output`,
 * `process_list`, `process_signal`, in that order. (The reference's plan mode offers only the
 * first two: filter by name.) With `processInput`, procvisor's `process_input` follows.
 */
export function createChatTools(options: ChatToolsOptions): ChatTool[] {
  return [
    createExecuteTool(options),
    createProcessOutputTool(options),
    createProcessListTool(options),
    createProcessSignalTool(options),
    ...(options.processInput === true ? [createProcessInputTool(options)] : []),
  ];
}
