import type * as v from 'valibot';
import type { StartBodySchema } from '../http/schemas.js';
import type { ApiSignal } from '../spawn/signals.js';
import type { ProcessInfoWire, ProcessOutputWire, TruncationWire } from '../supervisor/process-view.js';

/**
 * `POST /start` body, typed by the server's own schema: the reference's `command`, `workdir`,
 * `env`, `background`, plus procvisor's optional additions (absent or null = not used).
 */
export type StartProcessRequest = Omit<v.InferInput<typeof StartBodySchema>, 'command'> & { command: string };
/** `POST /start` answer. */
export interface StartProcessResponse {
  id: string;
  started: boolean;
}
/** `GET /list` answer: running first, then newest; at most the server's list limit (10). */
export interface ListProcessesResponse {
  processes: ProcessInfo[];
}
/** One list entry; `exit_code` is present once exited (0 included). */
export type ProcessInfo = ProcessInfoWire;
/** `GET /{id}/output` answer; `exit_code` is absent while running. */
export type ProcessOutputResponse = ProcessOutputWire;
export type ProcessTruncation = TruncationWire;
/** `kill` (SIGKILL) or `terminate` (SIGTERM), sent to the whole process group. */
export type ProcessSignal = ApiSignal;
/** `POST /{id}/signal` answer: `Signal "kill" sent to process "<id>".` */
export interface SignalProcessResponse {
  message: string;
}

/** Per-call options: an abort signal that cancels the call (a `ClientError` with code ABORTED). */
export interface CallOptions {
  signal?: AbortSignal | undefined;
}

export interface ProcessOutputOptions extends CallOptions {
  /** Block until the process exits and its output drained, or the server's cap (5 min) passes. */
  wait?: boolean;
}

/**
 * The process API of one agent, as the chat tools use it. `ProcvisorClient` implements it over
 * HTTP; tests implement it with scripted answers. Every method rejects with a `ClientError` (a
 * scripted fake may reject with any Error: the tools only read its message).
 */
export interface ProcessApi {
  startProcess(request: StartProcessRequest, options?: CallOptions): Promise<StartProcessResponse>;
  listProcesses(options?: CallOptions): Promise<ListProcessesResponse>;
  processOutput(id: string, options?: ProcessOutputOptions): Promise<ProcessOutputResponse>;
  signalProcess(id: string, signal: ProcessSignal, options?: CallOptions): Promise<SignalProcessResponse>;
}
