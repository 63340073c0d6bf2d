import * as v from 'valibot';
import { NO_RESOLVER, errorText, neverRejects, resolveClient, toolError, toolText, type ChatTool, type ClientSource, type ToolResponse } from './chat-tool.js';
import { errorResult } from './execute-result.js';
import { marshalGoJson } from './go-json.js';
import { goQuote } from './go-quote.js';
import { parseToolInput } from './tool-input.js';

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
    run(input, context = {}) {
      return neverRejects(() => runProcessSignal(options.client, input, context.signal));
    },
  };
}

async function runProcessSignal(source: ClientSource | undefined, input: unknown, abort: AbortSignal | undefined): Promise<ToolResponse> {
  const parsed = parseToolInput(ProcessSignalArgsSchema, input);
  if (!parsed.ok) return parsed.response;
  const args = parsed.value;
  // The reference's order: no resolver, empty id, bad signal, and only then the agent.
  if (source === undefined) return toolError(NO_RESOLVER);
  if (args.process_id === '') return toolError('process_id is required');
  const signal = args.signal;
  if (signal !== 'terminate' && signal !== 'kill') return toolError('signal must be "terminate" or "kill"');
  const resolved = await resolveClient(source, abort);
  if (!resolved.ok) return resolved.response;
  const api = resolved.value;
  try {
    await api.signalProcess(args.process_id, signal, { signal: abort });
  } catch (error) {
    return toolText(errorResult(`signal process: ${errorText(error)}`));
  }
  return toolText(marshalGoJson({ message: `signal ${goQuote(signal)} sent to process ${args.process_id}`, success: true }));
}
