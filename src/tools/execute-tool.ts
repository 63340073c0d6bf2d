import * as v from 'valibot';
import type { ProcessApi, StartProcessRequest } from '../client/process-api.js';
import { errorText, neverRejects, resolveClient, toolError, toolText, type ChatTool, type ClientSource, type ToolResponse } from './chat-tool.js';
import { withDeadline } from './deadline.js';
import { encodeExecuteResult, errorResult } from './execute-result.js';
import { executeEnvironment } from './execute-environment.js';
import { callClientToken, runExecuteExtended } from './execute-extended.js';
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
  wait_for: v.nullish(v.pipe(v.string(), v.minLength(1), v.maxLength(1024))),
  wait_for_port: v.nullish(v.union([v.boolean(), v.pipe(v.number(), v.integer('must be a port number or true'), v.minValue(1, 'must be a port number (1-65535) or true'), v.maxValue(65_535, 'must be a port number (1-65535) or true'))])),
  lifetime: v.nullish(v.string()),
  stdin: v.nullish(v.boolean()),
  idempotency_key: v.nullish(v.pipe(v.string(), v.minLength(1), v.maxLength(200))),
});

type ExecuteArgs = v.InferOutput<typeof ExecuteArgsSchema>;

const DESCRIPTION =
  'Run a shell command in the workspace. Runs under "sh -c" (POSIX). ' +
  "Waits for it to finish for up to the timeout (10s unless you pass timeout, e.g. '30s' or '5m'). " +
  'A command still running at the timeout keeps running, and the response carries a background_process_id: ' +
  'call process_output with it to re-attach and wait for the result. ' +
  'Set run_in_background=true for processes that keep running (dev servers, file watchers) or to do other work meanwhile. ' +
  "Never background with the shell's '&'. " +
  'Optional: wait_for returns as soon as the output matches a pattern, wait_for_port as soon as a server listens (dev servers: one call, at readiness); lifetime ends a command that may run away; ' +
  'stdin keeps input open and returns at a prompt (waiting_for_input), to answer with process_input; idempotency_key makes a retried call return the first run instead of running twice. ' +
  'Those results carry a cursor: pass it to process_output as since to get only newer output.';

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
        wait_for: {
          type: 'string',
          description:
            'Return as soon as the output matches this pattern (RE2 syntax, e.g. "ready on|listening", "^error"), instead of waiting for the exit; ' +
            'the process keeps running. For dev servers and watchers: one call that returns at readiness. Bounded by timeout.',
        },
        wait_for_port: {
          type: ['integer', 'boolean'],
          description:
            'For servers: return as soon as the process listens on this TCP port (or on any port with true), with listening_ports; the server keeps running. ' +
            'Bounded by timeout. Works with run_in_background too.',
        },
        lifetime: {
          type: 'string',
          description: "End the process (SIGTERM, then SIGKILL) after this long, e.g. '2m'. For commands that may run away; the timeout only stops waiting.",
        },
        stdin: {
          type: 'boolean',
          description:
            'Keep stdin open for commands that may ask a question: the call returns as soon as the process waits for input, with waiting_for_input.prompt and process_id; ' +
            'answer with process_input. Without it stdin is empty and a prompt reads end-of-input.',
        },
        idempotency_key: {
          type: 'string',
          description: 'Any unique string for this run. Repeat it when you retry a call whose result you did not get: the retry returns that process instead of running the command twice.',
        },
      },
      required: ['command'],
    },
    run(input, context = {}) {
      return neverRejects(() => runExecute(options, input, context.signal, context.callId));
    },
  };
}

async function runExecute(options: ExecuteToolOptions, input: unknown, signal: AbortSignal | undefined, callId: string | undefined): Promise<ToolResponse> {
  const parsed = parseToolInput(ExecuteArgsSchema, input);
  if (!parsed.ok) return parsed.response;
  const args = parsed.value;
  const resolved = await resolveClient(options.client, signal);
  if (!resolved.ok) return resolved.response;
  const api = resolved.value;
  if (args.command === '') return toolError('command is required');
  const { command, background } = promoteTrailingAmpersand(args.command, args.run_in_background === true);
  const waitForPort = args.wait_for_port === true ? true : typeof args.wait_for_port === 'number' ? args.wait_for_port : null;
  const extended = args.wait_for != null || waitForPort !== null || args.lifetime != null || args.stdin === true || args.idempotency_key != null;
  if (background && !extended) return runInBackground(api, command, args, signal, callId);
  let timeout = fromMilliseconds(options.defaultTimeoutMs !== undefined && options.defaultTimeoutMs > 0 ? options.defaultTimeoutMs : DEFAULT_EXECUTE_TIMEOUT_MS);
  if (args.timeout != null) {
    try {
      timeout = parseGoDuration(args.timeout);
    } catch (error) {
      if (!(error instanceof GoDurationError)) throw error;
      return toolError(`invalid timeout ${goQuote(args.timeout)}: ${error.message}`);
    }
  }
  if (!extended) return runInForeground(api, command, args, timeout, signal, callId);
  let lifetimeMs: number | null = null;
  if (args.lifetime != null) {
    try {
      lifetimeMs = toTimerMs(parseGoDuration(args.lifetime));
    } catch (error) {
      if (!(error instanceof GoDurationError)) throw error;
      return toolError(`invalid lifetime ${goQuote(args.lifetime)}: ${error.message}`);
    }
    if (lifetimeMs <= 0) return toolError(`invalid lifetime ${goQuote(args.lifetime)}: must be positive`);
  }
  return runExecuteExtended(
    api,
    { command, workdir: args.workdir ?? undefined, background, timeout },
    { waitFor: args.wait_for ?? null, waitForPort, lifetimeMs, stdin: args.stdin === true, idempotencyKey: args.idempotency_key ?? callId ?? null },
    signal,
  );
}

/** The reference's start request; a host-given call id adds a client token (a retried call attaches, results unchanged). */
function startRequest(command: string, args: ExecuteArgs, background: boolean, callId: string | undefined): StartProcessRequest {
  return {
    command,
    ...(args.workdir ? { workdir: args.workdir } : {}),
    env: executeEnvironment(),
    background,
    ...(callId === undefined ? {} : { client_token: callClientToken(callId, command, args.workdir ?? undefined) }),
  };
}

async function runInBackground(api: ProcessApi, command: string, args: ExecuteArgs, signal: AbortSignal | undefined, callId: string | undefined): Promise<ToolResponse> {
  try {
    const started = await api.startProcess(startRequest(command, args, true, callId), { signal });
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
  callId: string | undefined,
): Promise<ToolResponse> {
  // The start request runs under the command's deadline too, as in the reference: a zero or
  // negative timeout therefore fails the start.
  const deadline = withDeadline(signal, toTimerMs(timeout));
  const startedAt = performance.now();
  try {
    let processId: string;
    try {
      processId = (await api.startProcess(startRequest(command, args, false, callId), { signal: deadline.signal })).id;
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
