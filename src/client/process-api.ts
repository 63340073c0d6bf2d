import type * as v from 'valibot';
import type { StartBodySchema } from '../protocol/request-schemas.js';
import type { ApiSignal } from '../spawn/signals.js';
import type { Lenient } from '../protocol/lenient-schema.js';
import type { ProcessInfoWire, ProcessOutputWire, TruncationWire } from '../protocol/response-schemas.js';

/**
 * `POST /start` body, typed by the server's own schema: the reference's `command`, `workdir`,
 * `env`, `background`, plus procvisor's optional additions (absent or null = not used).
 */
export type StartProcessRequest = Omit<v.InferInput<typeof StartBodySchema>, 'command'> & { command: string };
/**
 * `POST /start` answer. With a `client_token`, procvisor echoes it, and a retry that found the
 * process already started answers `started: false, attached: true` with the same id.
 */
export interface StartProcessResponse {
  id: string;
  started: boolean;
  attached?: boolean;
  client_token?: string;
}
/** `GET /list` answer: running first, then newest; at most the server's list limit (10). */
export interface ListProcessesResponse {
  processes: ProcessInfo[];
}
/** One list entry; `exit_code` is present once exited (0 included). */
export type ProcessInfo = Lenient<ProcessInfoWire>;
/** `GET /{id}/output` answer; `exit_code` is absent while running. */
export type ProcessOutputResponse = Lenient<ProcessOutputWire>;
export type ProcessTruncation = Lenient<TruncationWire>;
/**
 * Sent to the whole process group: the reference's `kill` (SIGKILL) and `terminate` (SIGTERM),
 * and procvisor's `interrupt`, `hangup`, `quit`, `user1`, `user2` (a Coder agent knows only the first two).
 */
export type ProcessSignal = ApiSignal;
/** `POST /{id}/signal` answer: `Signal "kill" sent to process "<id>".` */
export interface SignalProcessResponse {
  message: string;
}

/** `POST /{id}/input` (procvisor): `text` (UTF-8) or `data` (bytes, sent base64), and/or `eof`. */
export interface ProcessInput {
  text?: string;
  data?: Uint8Array;
  /** Close stdin after this input (Ctrl-D on a terminal). */
  eof?: boolean;
}

/** `POST /{id}/input` answer. */
export interface SendInputResponse {
  bytes: number;
  eof: boolean;
}

/** `POST /{id}/resize` answer. */
export interface ResizeTerminalResponse {
  cols: number;
  rows: number;
}

/** Per-call options: an abort signal that cancels the call (a `ClientError` with code ABORTED). */
export interface CallOptions {
  signal?: AbortSignal | undefined;
}

export interface ProcessOutputOptions extends CallOptions {
  /** Block until the process exits and its output drained, or the server's cap (5 min) passes. */
  wait?: boolean;
}

export interface SignalProcessOptions extends CallOptions {
  /** With `terminate` only (procvisor): SIGKILL follows if the group still lives after this many ms. */
  graceMs?: number;
}

/** `output` event of the stream: `bytes` bytes at `offset`, as `text` (utf8) or base64 `data`. */
export interface StreamOutputEvent {
  event: 'output';
  /** The event id: where to resume after this event (`offset + bytes`). */
  cursor: number;
  offset: number;
  bytes: number;
  text?: string;
  data?: string;
}

/** `gap` event: the cursor fell out of the stream window; `lost_bytes` are gone, reading goes on at `resume_at`. */
export interface StreamGapEvent {
  event: 'gap';
  cursor: number;
  offset: number;
  lost_bytes: number;
  resume_at: number;
}

/** `exit` event, always the last: `exit_code` is -1 when a signal (`exit_signal`) ended the process. */
export interface StreamExitEvent {
  event: 'exit';
  cursor: number;
  exit_code: number;
  exit_signal?: string;
  exit_reason: string;
  duration_ms: number;
  next_cursor: number;
}

/** What `ProcvisorClient.streamOutput` yields: the SSE events of `GET /{id}/stream` (procvisor only). */
export type StreamEvent = StreamOutputEvent | StreamGapEvent | StreamExitEvent;

export interface StreamOutputOptions extends CallOptions {
  /** Byte offset to start at (default 0, the oldest byte the server still holds). */
  cursor?: number;
  /** `utf8` (default) yields `text`; `base64` yields the exact bytes in `data`. */
  encoding?: 'utf8' | 'base64';
  /** Reconnections in a row, with no event in between, before giving up (default 5; 0 = never reconnect). */
  maxReconnects?: number;
}

/** Query of a procvisor output read (`GET /{id}/output` with procvisor's parameters). */
export interface OutputReadQuery {
  wait?: 'exit' | 'output' | 'match' | 'quiet' | 'input' | 'port';
  cursor?: number;
  /** With `wait=port`: the port to wait for (any port without it). */
  port?: number;
  pattern?: string;
  quiet_ms?: number;
  timeout_ms?: number;
  limit?: number;
  grep?: string;
  context?: number;
  max_matches?: number;
  omit_output?: boolean;
  /** `FROM-TO` byte offsets: list the error-looking lines starting in that range (`error_lines` in the answer). */
  error_lines?: string;
  /** `FIRST-LAST` 1-based line numbers of the whole output: read those lines (`lines` in the answer). */
  lines?: string;
}

/** One line of a grep answer. */
export interface GrepLine {
  line: number;
  text: string;
  match: boolean;
}

/** Answer of a procvisor output read: the status, and what the query asked for. */
export interface OutputReadResponse {
  output?: string;
  truncated?: ProcessTruncation;
  running: boolean;
  exit_code?: number;
  exit_signal?: string;
  exit_reason?: string;
  duration_ms?: number;
  wait_result?: 'exited' | 'output' | 'match' | 'quiet' | 'input' | 'port' | 'http' | 'timeout';
  match?: { text: string; offset: number };
  /** While the process waits for input (started with stdin or a terminal): since when, and the prompt line. */
  waiting_for_input?: { since_ms: number; prompt: string };
  /** With `wait=port`: the ports the group listens on. */
  listening_ports?: number[];
  delta?: { cursor: number; text: string; gap_bytes: number; has_more: boolean };
  grep?: { lines: GrepLine[]; matches: number; more: boolean; scanned_bytes: number; gap_bytes: number };
  next_cursor?: number;
  /** With `error_lines`: the first error-looking lines of the range (line numbers of the whole output) and how many more. */
  error_lines?: { lines: { line: number; text: string }[]; more: number; scanned_bytes: number };
  /** With `lines`: the lines read (at most 1,000 and 64 KiB: `more` says the bound cut them), and the bytes no longer readable. */
  lines?: { first: number; last: number; text: string; more: boolean; gap_bytes: number };
}

/**
 * What `ProcvisorClient.waitForProcess` waits for (procvisor only), besides the exit, which
 * always ends a wait: `input` (the process blocks reading its stdin or terminal; started with
 * `stdin` or `pty`), `port` (its group listens on `port`, or any port), `http` (a GET of `path`
 * on `port`, on loopback, answers a status in `status`, default `200-399`), and the older
 * `exit`, `output`, `match`, `quiet`.
 */
export type WaitCondition =
  | { kind: 'exit' }
  | { kind: 'output'; cursor?: number }
  | { kind: 'match'; pattern: string; cursor?: number }
  | { kind: 'quiet'; quietMs: number }
  | { kind: 'input' }
  | { kind: 'port'; port?: number }
  | { kind: 'http'; port: number; path?: string; status?: number | `${number}-${number}` };

export interface WaitOptions extends CallOptions {
  /** The wait's own limit (the server's cap still applies); then `wait_result: "timeout"`. */
  timeoutMs?: number;
}

/** How a wait ended. */
export type WaitResultName = 'exited' | 'output' | 'match' | 'quiet' | 'input' | 'port' | 'http' | 'timeout';

/** `GET /{id}/output?wait=…` answer: the output answer plus how the wait ended. */
export interface WaitResponse extends ProcessOutputResponse {
  wait_result: WaitResultName;
  match?: { text: string; offset: number };
  /** With `http`: the status the probe got. */
  http_status?: number;
  /** With `port` and `http`: the ports the group listens on. */
  listening_ports?: number[];
  next_cursor?: number;
}

/** Events of `GET /events` (procvisor only); `seq` resumes the stream after this event. */
export type ProcessEvent =
  | { event: 'started'; seq: number; id: string; command: string; background: boolean; started_at_unix: number }
  | { event: 'exited'; seq: number; id: string; exit_code: number; exit_signal?: string; exit_reason: string; duration_ms: number; last_lines: string[] }
  | { event: 'waiting_for_input'; seq: number; id: string; prompt: string }
  | { event: 'listening'; seq: number; id: string; ports: number[] }
  /** The server's history no longer held `lost_events` events after the resume point. */
  | { event: 'lost'; seq: number; lost_events: number; resume_at: number };

export interface ProcessEventsOptions extends CallOptions {
  /** Start after this event seq (0: the server's whole history); default: events from now on. */
  after?: number;
  /** Reconnections in a row, with no event in between, before giving up (default 5). */
  maxReconnects?: number;
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
  signalProcess(id: string, signal: ProcessSignal, options?: SignalProcessOptions): Promise<SignalProcessResponse>;
  /** procvisor's output read (waits, cursor, grep); absent on an API that only has the reference's calls. */
  readOutput?(id: string, query: OutputReadQuery, options?: CallOptions): Promise<OutputReadResponse>;
  /** procvisor's input to stdin or a terminal; absent on an API that only has the reference's calls. */
  sendInput?(id: string, input: ProcessInput, options?: CallOptions): Promise<SendInputResponse>;
}
