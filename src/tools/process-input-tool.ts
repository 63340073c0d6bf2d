import * as v from 'valibot';
import { NO_RESOLVER, errorText, neverRejects, resolveClient, toolError, toolText, type ChatTool, type ClientSource, type ToolResponse } from './chat-tool.js';
import { NEEDS_PROCVISOR } from './execute-extended.js';
import { GoDurationError, parseGoDuration, toTimerMs } from './go-duration.js';
import { goQuote } from './go-quote.js';
import { encodeProcessResult, outcomeResult } from './process-result.js';
import { parseToolInput } from './tool-input.js';
import { waitAndCollect, type ReturnWhen } from './tool-wait.js';

export const PROCESS_INPUT_TOOL_NAME = 'process_input';
/** How long process_input waits for the reply unless `wait_timeout` says otherwise. */
export const DEFAULT_PROCESS_INPUT_TIMEOUT_MS = 10_000;
/** Silence that ends the reply when neither `wait_for` nor `quiet` is given. */
export const DEFAULT_QUIET_MS = 500;

const ProcessInputArgsSchema = v.object({
  process_id: v.nullish(v.string(), ''),
  text: v.nullish(v.string()),
  eof: v.nullish(v.boolean()),
  wait_for: v.nullish(v.pipe(v.string(), v.minLength(1), v.maxLength(1024))),
  quiet: v.nullish(v.string()),
  wait_timeout: v.nullish(v.string()),
});

function duration(name: string, text: string): number | ToolResponse {
  try {
    return toTimerMs(parseGoDuration(text));
  } catch (error) {
    if (!(error instanceof GoDurationError)) throw error;
    return toolError(`invalid ${name} ${goQuote(text)}: ${error.message}`);
  }
}

/**
 * The `process_input` tool (procvisor): writes `text` and/or end-of-input to a process started
 * with `stdin: true` (or a terminal), then waits for `wait_for` to match, or for the reply to go
 * quiet (`quiet`, 500ms by default), or the exit, at most `wait_timeout` (10 s), and returns only
 * the output that followed the input. Tool errors: no client, empty `process_id`, nothing to
 * send, bad durations, an agent without procvisor's API.
 */
export function createProcessInputTool(options: { client: ClientSource | undefined }): ChatTool {
  return {
    name: PROCESS_INPUT_TOOL_NAME,
    description:
      'Send input to a process started by execute with stdin=true: text (add "\\n" to press Enter) and/or eof=true to close its input. ' +
      'Then waits for the reply: until wait_for matches, the output goes quiet, the process waits for input again (waiting_for_input with the next prompt), or it exits, and returns only the output that followed.',
    inputSchema: {
      type: 'object',
      properties: {
        process_id: { type: 'string', description: 'The ID of the process (from execute).' },
        text: { type: 'string', description: 'Text to write, e.g. "y\\n".' },
        eof: { type: 'boolean', description: 'Close the input after the text (end of input, like Ctrl-D).' },
        wait_for: { type: 'string', description: 'Return as soon as the output after the input matches this pattern (RE2 syntax), e.g. the next prompt.' },
        quiet: { type: 'string', description: "Without wait_for: return once the reply has been silent this long (default '500ms')." },
        wait_timeout: { type: 'string', description: "Longest wait for the reply (default '10s'; '0s' returns at once)." },
      },
      required: ['process_id'],
    },
    run(input, context = {}) {
      return neverRejects(() => runProcessInput(options.client, input, context.signal));
    },
  };
}

async function runProcessInput(source: ClientSource | undefined, input: unknown, signal: AbortSignal | undefined): Promise<ToolResponse> {
  const parsed = parseToolInput(ProcessInputArgsSchema, input);
  if (!parsed.ok) return parsed.response;
  const args = parsed.value;
  if (source === undefined) return toolError(NO_RESOLVER);
  if (args.process_id === '') return toolError('process_id is required');
  if ((args.text ?? '') === '' && args.eof !== true) return toolError('nothing to send: give text and/or eof=true');
  const waitMs = args.wait_timeout == null ? DEFAULT_PROCESS_INPUT_TIMEOUT_MS : duration('wait_timeout', args.wait_timeout);
  if (typeof waitMs !== 'number') return waitMs;
  const quietMs = args.quiet == null ? DEFAULT_QUIET_MS : duration('quiet', args.quiet);
  if (typeof quietMs !== 'number') return quietMs;
  const resolved = await resolveClient(source, signal);
  if (!resolved.ok) return resolved.response;
  const api = resolved.value;
  const readOutput = api.readOutput?.bind(api);
  const sendInput = api.sendInput?.bind(api);
  if (readOutput === undefined || sendInput === undefined) return toolError(NEEDS_PROCVISOR);
  const startedAt = performance.now();
  let cursor = 0;
  try {
    // Where the reply starts: the output's end before the input goes out.
    cursor = (await readOutput(args.process_id, { omit_output: true }, { signal })).next_cursor ?? 0;
    await sendInput(args.process_id, { ...(args.text ? { text: args.text } : {}), ...(args.eof ? { eof: true } : {}) }, { signal });
  } catch (error) {
    return toolText(encodeProcessResult({ success: false, running: false, wall_duration_ms: 0, cursor, error: `send input: ${errorText(error)}`, process_id: args.process_id }));
  }
  const when: ReturnWhen = args.wait_for != null ? { kind: 'match', pattern: args.wait_for } : { kind: 'quiet', quietMs: Math.max(1, quietMs) };
  // The next prompt ends the wait too (the answer led to another question); not after eof (nothing to read).
  const conditions: ReturnWhen[] = args.eof === true ? [when] : [when, { kind: 'input' }];
  try {
    const outcome = await waitAndCollect({ readOutput }, args.process_id, conditions, cursor, Math.max(0, waitMs), signal);
    const result = outcomeResult(outcome, args.process_id, performance.now() - startedAt);
    if (outcome.status.running) result.success = outcome.reason !== 'timeout' || args.wait_for == null;
    return toolText(encodeProcessResult(result));
  } catch (error) {
    return toolText(encodeProcessResult({ success: false, running: true, wall_duration_ms: 0, cursor, error: `get process output: ${errorText(error)}`, process_id: args.process_id }));
  }
}
