import * as v from 'valibot';
import type { ProcessApi, StartProcessRequest } from '../client/process-api.js';
import { errorText, neverRejects, resolveClient, toolError, toolText, type ChatTool, type ClientSource, type ToolResponse } from './chat-tool.js';
import { withDeadline } from './deadline.js';
import { encodeExecuteResult, errorResult } from './execute-result.js';
import { executeEnvironment } from './execute-environment.js';
import { fileDumpNote } from './file-dump-note.js';
import { GoDurationError, fromMilliseconds, parseGoDuration, toTimerMs, type GoDuration } from './go-duration.js';
import { goQuote } from './go-quote.js';
import { withShellGuidance } from './shell-guidance.js';
import { parseToolInput } from './tool-input.js';
import { promoteTrailingAmpersand } from './trailing-ampersand.js';
import { waitForProcess } from './wait-for-process.js';

export const EXECUTE_TOOL_NAME = 'execute';
/** Foreground wait when neither the call nor the options give one. */
export const DEFAULT_EXECUTE_TIMEOUT_MS = 10_000;

export interface ExecuteToolOptions {
  client: ClientSource | undefined;
  /** Foreground wait when the call gives no `timeout`; 0 or less means DEFAULT_EXECUTE_TIMEOUT_MS. */
  defaultTimeoutMs?: number;
}

const ExecuteArgsSchema = v.object({
  command: v.nullish(v.string(), ''),
  model_intent: v.nullish(v.string()),
  timeout: v.nullish(v.string()),
  workdir: v.nullish(v.string()),
  run_in_background: v.nullish(v.boolean()),
});

type ExecuteArgs = v.InferOutput<typeof ExecuteArgsSchema>;

const DESCRIPTION =
  'Run a shell command in the workspace. Runs under "sh -c" (POSIX). ' +
  "Waits for it to finish for up to the timeout (10s unless you pass timeout, e.g. '30s' or '5m'). " +
  'A command still running at the timeout keeps running, and the response carries a background_process_id: ' +
  'call process_output with it to re-attach and wait for the result. ' +
  'Set run_in_background=true for processes that keep running (dev servers, file watchers) or to do other work meanwhile. ' +
  "Never background with the shell's '&'.";

/**
 * The `execute` tool: runs a command through the agent and waits for it in the foreground (or
 * starts it in the background), with the reference's exact results, messages and recovery.
 * Tool errors: no client, a failing resolver, an empty command, a bad `timeout`.
 */
export function createExecuteTool(options: ExecuteToolOptions): ChatTool {
  return {
    name: EXECUTE_TOOL_NAME,
    description: DESCRIPTION,
    inputSchema: {
      type: 'object',
      properties: {
        command: { type: 'string', description: 'The shell command to run. Runs under "sh -c" (POSIX).' },
        model_intent: {
          type: 'string',
          description:
            'A short present-participle phrase in plain English saying what you are doing, shown to the user alongside the command ' +
            '(e.g. "Running the unit tests", "Checking repository state"). The UI adds "using <command>" and "for <duration>" itself, ' +
            'so do not repeat the command and do not give a duration. No underscores or jargon; under 100 characters.',
        },
        timeout: {
          type: 'string',
          description:
            "How long to wait for the command to finish (e.g. '30s', '5m'); 10s by default. When it passes, the process keeps running " +
            'and you get a background_process_id to re-attach with. Foreground commands only.',
        },
        workdir: { type: 'string', description: 'The working directory of the command.' },
        run_in_background: {
          type: 'boolean',
          description:
            'Start the command without waiting. Use it for processes that keep running (dev servers, file watchers) or to keep working ' +
            'while a command runs, and read the result later with process_output. When you need the result before going on, prefer the ' +
            "foreground with a longer timeout. Do NOT background with the shell's '&': it does not work properly. Use this parameter instead.",
        },
      },
      required: ['command'],
    },
    run(input, context = {}) {
      return neverRejects(() => runExecute(options, input, context.signal));
    },
  };
}

async function runExecute(options: ExecuteToolOptions, input: unknown, signal: AbortSignal | undefined): Promise<ToolResponse> {
  const parsed = parseToolInput(ExecuteArgsSchema, input);
  if (!parsed.ok) return parsed.response;
  const args = parsed.value;
  const resolved = await resolveClient(options.client, signal);
  if (!resolved.ok) return resolved.response;
  const api = resolved.value;
  if (args.command === '') return toolError('command is required');
  const { command, background } = promoteTrailingAmpersand(args.command, args.run_in_background === true);
  if (background) return runInBackground(api, command, args, signal);
  let timeout = fromMilliseconds(options.defaultTimeoutMs !== undefined && options.defaultTimeoutMs > 0 ? options.defaultTimeoutMs : DEFAULT_EXECUTE_TIMEOUT_MS);
  if (args.timeout != null) {
    try {
      timeout = parseGoDuration(args.timeout);
    } catch (error) {
      if (!(error instanceof GoDurationError)) throw error;
      return toolError(`invalid timeout ${goQuote(args.timeout)}: ${error.message}`);
    }
  }
  return runInForeground(api, command, args, timeout, signal);
}

function startRequest(command: string, args: ExecuteArgs, background: boolean): StartProcessRequest {
  return { command, ...(args.workdir ? { workdir: args.workdir } : {}), env: executeEnvironment(), background };
}

async function runInBackground(api: ProcessApi, command: string, args: ExecuteArgs, signal: AbortSignal | undefined): Promise<ToolResponse> {
  try {
    const started = await api.startProcess(startRequest(command, args, true), { signal });
    return toolText(encodeExecuteResult({ success: true, exit_code: 0, wall_duration_ms: 0, background_process_id: started.id }));
  } catch (error) {
    return toolText(errorResult(withShellGuidance(`start background process: ${errorText(error)}`)));
  }
}

async function runInForeground(
  api: ProcessApi,
  command: string,
  args: ExecuteArgs,
  timeout: GoDuration,
  signal: AbortSignal | undefined,
): Promise<ToolResponse> {
  // The start request runs under the command's deadline too, as in the reference: a zero or
  // negative timeout therefore fails the start.
  const deadline = withDeadline(signal, toTimerMs(timeout));
  const startedAt = performance.now();
  try {
    let processId: string;
    try {
      processId = (await api.startProcess(startRequest(command, args, false), { signal: deadline.signal })).id;
    } catch (error) {
      return toolText(errorResult(withShellGuidance(`start process: ${errorText(error)}`)));
    }
    const result = await waitForProcess({ api, processId, commandSignal: deadline.signal, parentSignal: signal, timeout });
    result.wall_duration_ms = Math.floor(performance.now() - startedAt);
    const note = fileDumpNote(args.command);
    if (note !== undefined) result.note = note;
    return toolText(encodeExecuteResult(result));
  } finally {
    deadline.dispose();
  }
}
