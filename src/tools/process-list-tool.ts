import { errorText, neverRejects, resolveClient, toolText, type ChatTool, type ClientSource, type ToolResponse } from './chat-tool.js';
import { errorResult } from './execute-result.js';
import { marshalGoJson } from './go-json.js';

export const PROCESS_LIST_TOOL_NAME = 'process_list';

/**
 * The `process_list` tool: the agent's list answer as JSON, as the agent sent it (chat-scoped,
 * running first, at most 10). A failed call is `{success: false, error: "list processes: …"}`.
 */
export function createProcessListTool(options: { client: ClientSource | undefined }): ChatTool {
  return {
    name: PROCESS_LIST_TOOL_NAME,
    description:
      'List the tracked processes of the workspace: their IDs, commands, whether they are running or exited, and exit codes. ' +
      'Use it to find processes or to see which are still running.',
    inputSchema: { type: 'object', properties: {} },
    run(_input, context = {}) {
      return neverRejects(() => runProcessList(options.client, context.signal));
    },
  };
}

async function runProcessList(source: ClientSource | undefined, signal: AbortSignal | undefined): Promise<ToolResponse> {
  const resolved = await resolveClient(source, signal);
  if (!resolved.ok) return resolved.response;
  const api = resolved.value;
  try {
    return toolText(marshalGoJson(await api.listProcesses({ signal })));
  } catch (error) {
    return toolText(errorResult(`list processes: ${errorText(error)}`));
  }
}
