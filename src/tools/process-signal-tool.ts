import * as v from 'valibot';
import { errorText, isToolResponse, resolveClient, toolError, toolText, type ChatTool, type ClientSource, type ToolResponse } from './chat-tool.js';
import { errorResult } from './execute-result.js';
import { marshalGoJson } from './go-json.js';
import { goQuote } from './go-quote.js';
import { isRefusal, parseToolInput } from './tool-input.js';

export const PROCESS_SIGNAL_TOOL_NAME = 'process_signal';

const ProcessSignalArgsSchema = v.object({
  process_id: v.nullish(v.string(), ''),
  signal: v.nullish(v.string(), ''),
});

/**
 * The `process_signal` tool: `terminate` (SIGTERM) or `kill` (SIGKILL) to a process's whole
 * group. Success is `{"message":"signal \"kill\" sent to process <id>","success":true}` (keys
 * sorted, as Go marshals a map). Tool errors: no client, an empty `process_id`, another signal
 * (both checked before resolving the client), a failing resolver.
 */
export function createProcessSignalTool(options: { client: ClientSource | undefined }): ChatTool {
  return {
    name: PROCESS_SIGNAL_TOOL_NAME,
    description:
      'Send a signal to a tracked process: "terminate" (SIGTERM) to stop it gracefully, "kill" (SIGKILL) to force it. ' +
      'Use the process_id from execute with run_in_background=true or from process_list.',
    inputSchema: {
      type: 'object',
      properties: {
        process_id: { type: 'string', description: 'The ID of the process.' },
        signal: { type: 'string', enum: ['terminate', 'kill'], description: '"terminate" (SIGTERM) or "kill" (SIGKILL).' },
      },
      required: ['process_id', 'signal'],
    },
    async run(input, context = {}) {
      try {
        return await runProcessSignal(options.client, input, context.signal);
      } catch (error) {
        return toolError(errorText(error));
      }
    },
  };
}

async function runProcessSignal(source: ClientSource | undefined, input: unknown, abort: AbortSignal | undefined): Promise<ToolResponse> {
  const args = parseToolInput(ProcessSignalArgsSchema, input);
  if (isRefusal(args)) return args;
  if (source !== undefined) {
    if (args.process_id === '') return toolError('process_id is required');
    if (args.signal !== 'terminate' && args.signal !== 'kill') return toolError('signal must be "terminate" or "kill"');
  }
  const api = await resolveClient(source, abort);
  if (isToolResponse(api)) return api;
  const signal = args.signal as 'terminate' | 'kill';
  try {
    await api.signalProcess(args.process_id, signal, { signal: abort });
  } catch (error) {
    return toolText(errorResult(`signal process: ${errorText(error)}`));
  }
  return toolText(marshalGoJson({ message: `signal ${goQuote(signal)} sent to process ${args.process_id}`, success: true }));
}
