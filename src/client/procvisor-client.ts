import { Agent, type Dispatcher } from 'undici';
import * as v from 'valibot';
import { describeIssues } from '../describe-issues.js';
import { ClientError } from './client-error.js';
import type {
  CallOptions,
  ListProcessesResponse,
  OutputReadQuery,
  OutputReadResponse,
  ProcessApi,
  ProcessOutputOptions,
  ProcessInput,
  ProcessOutputResponse,
  ProcessSignal,
  ResizeTerminalResponse,
  SendInputResponse,
  SignalProcessOptions,
  SignalProcessResponse,
  StartProcessRequest,
  StartProcessResponse,
  StreamEvent,
  StreamOutputOptions,
  ProcessEvent,
  ProcessEventsOptions,
  WaitCondition,
  WaitOptions,
  WaitResponse,
} from './process-api.js';
import { streamProcessEvents } from './process-events.js';
import { requestJson } from './request-json.js';
import {
  InputResponseSchema,
  ListResponseSchema,
  OutputReadResponseSchema,
  OutputResponseSchema,
  ResizeResponseSchema,
  SignalResponseSchema,
  StartResponseSchema,
  WaitResponseSchema,
} from './response-schemas.js';
import { streamEvents } from './stream-output.js';

export { ClientError, type ClientErrorCode, type ErrorResponseBody } from './client-error.js';
export { chatHeaders } from './chat-headers.js';
export type * from './process-api.js';

/** The agent's cap on a blocking wait (`?wait=true`), as in the reference: 5 minutes. */
export const DEFAULT_SERVER_MAX_WAIT_MS = 300_000;
/** Time a blocking call gets beyond the server cap, like the reference's write deadline (cap + 30 s). */
export const WAIT_HEADROOM_MS = 30_000;
/** How long a non-blocking call may wait for its answer. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
/** The largest answer the SDK reads (an output answer is about 33 KiB). */
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
/** Silence on an open output stream that counts as a dropped connection: three missed keep-alives (15 s each). */
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 45_000;

export interface ProcvisorClientOptions {
  /**
   * Base URL of the agent, e.g. `http://127.0.0.1:8420` (a path prefix is kept), or
   * `unix:/path/to.sock` for a procvisor on a Unix socket (requests then go to `http://localhost/`
   * over that socket).
   */
  url: string | URL;
  /** Extra headers sent with every request (see `chatHeaders`). */
  headers?: Record<string, string>;
  requestTimeoutMs?: number;
  /** The server's blocking-wait cap; a blocking call may take this plus `waitHeadroomMs`. */
  serverMaxWaitMs?: number;
  /** Time a blocking call gets beyond the server's cap (WAIT_HEADROOM_MS). */
  waitHeadroomMs?: number;
  maxResponseBytes?: number;
  /** Silence on an output stream before it is reopened (DEFAULT_STREAM_IDLE_TIMEOUT_MS). */
  streamIdleTimeoutMs?: number;
  /** An undici dispatcher to send through; the client then neither configures nor closes it. */
  dispatcher?: Dispatcher;
}

/**
 * An SDK client for one procvisor (or Coder) agent's `/api/v0/processes` API. Requests go through
 * its own undici Agent, because Node's built-in fetch gives up after 300 s while a blocking
 * output call may rightly take the server's whole 5-minute cap: blocking calls get
 * `serverMaxWaitMs + waitHeadroomMs` (5 min 30 s), the others `requestTimeoutMs` (60 s). Every method takes an
 * abort signal and rejects with a ClientError. Call `close()` when done.
 */
export class ProcvisorClient implements ProcessApi {
  private readonly base: URL;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private extraHeaders: Record<string, string>;
  private readonly requestTimeoutMs: number;
  private readonly waitTimeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly streamIdleTimeoutMs: number;
  private closing: Promise<void> | null = null;

  constructor(options: ProcvisorClientOptions) {
    const given = new URL(options.url);
    // `unix:/run/procvisor.sock`: the socket is the transport; the HTTP origin is nominal.
    const socketPath = given.protocol === 'unix:' ? decodeURIComponent(given.pathname) : null;
    const base = socketPath === null ? given : new URL('http://localhost/');
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.base = base;
    this.extraHeaders = { ...options.headers };
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.waitTimeoutMs = (options.serverMaxWaitMs ?? DEFAULT_SERVER_MAX_WAIT_MS) + (options.waitHeadroomMs ?? WAIT_HEADROOM_MS);
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.streamIdleTimeoutMs = options.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS;
    this.ownsDispatcher = options.dispatcher === undefined;
    // The per-request timeouts below are what count; the Agent's own are set to the longest so
    // they never cut a blocking call first.
    this.dispatcher =
      options.dispatcher ??
      new Agent({ headersTimeout: this.waitTimeoutMs, bodyTimeout: this.waitTimeoutMs, ...(socketPath === null ? {} : { connect: { socketPath } }) });
  }

  /** The agent's base URL, with a trailing slash. */
  get url(): string {
    return this.base.toString();
  }

  /** Replaces the extra headers sent with every later request (chatd sets the chat id this way). */
  setExtraHeaders(headers: Record<string, string>): void {
    this.extraHeaders = { ...headers };
  }

  /** `POST /api/v0/processes/start`: starts `sh -c <command>`; resolves once it runs. */
  async startProcess(request: StartProcessRequest, options: CallOptions = {}): Promise<StartProcessResponse> {
    const body = await this.call('POST', 'api/v0/processes/start', options.signal, false, request);
    return this.check(StartResponseSchema, body, 'POST', 'api/v0/processes/start');
  }

  /** `GET /api/v0/processes/list`. */
  async listProcesses(options: CallOptions = {}): Promise<ListProcessesResponse> {
    const body = await this.call('GET', 'api/v0/processes/list', options.signal, false);
    return this.check(ListResponseSchema, body, 'GET', 'api/v0/processes/list');
  }

  /**
   * `GET /api/v0/processes/<id>/output`, with `?wait=true` when `wait`: the agent then answers
   * when the process exited or its cap passed (`running: true`, not an error).
   */
  async processOutput(id: string, options: ProcessOutputOptions = {}): Promise<ProcessOutputResponse> {
    const path = `api/v0/processes/${encodeURIComponent(id)}/output${options.wait ? '?wait=true' : ''}`;
    const body = await this.call('GET', path, options.signal, options.wait === true);
    return this.check(OutputResponseSchema, body, 'GET', path);
  }

  /**
   * `GET /api/v0/processes/<id>/output?wait=<kind>…` (procvisor only): blocks until `condition`
   * holds, the process exits, `timeoutMs` or the server's cap passes, and answers the output with
   * `wait_result` saying which. E.g. `{kind: 'input'}` returns once the process waits for an
   * answer (`waiting_for_input.prompt`); `{kind: 'port'}` once its server listens
   * (`listening_ports`); `{kind: 'http', port}` once that server answers. Errors: 409
   * STDIN_NOT_OPEN (input wait on a process without stdin), 501 WATCH_UNAVAILABLE (no /proc).
   */
  async waitForProcess(id: string, condition: WaitCondition, options: WaitOptions = {}): Promise<WaitResponse> {
    const query = new URLSearchParams({ wait: condition.kind });
    switch (condition.kind) {
      case 'output':
        if (condition.cursor !== undefined) query.set('cursor', String(condition.cursor));
        break;
      case 'match':
        query.set('pattern', condition.pattern);
        if (condition.cursor !== undefined) query.set('cursor', String(condition.cursor));
        break;
      case 'quiet':
        query.set('quiet_ms', String(condition.quietMs));
        break;
      case 'port':
        if (condition.port !== undefined) query.set('port', String(condition.port));
        break;
      case 'http':
        query.set('port', String(condition.port));
        if (condition.path !== undefined) query.set('path', condition.path);
        if (condition.status !== undefined) query.set('status', String(condition.status));
        break;
      default:
    }
    if (options.timeoutMs !== undefined) query.set('timeout_ms', String(options.timeoutMs));
    const path = `api/v0/processes/${encodeURIComponent(id)}/output?${query.toString()}`;
    const body = await this.call('GET', path, options.signal, true);
    return this.check(WaitResponseSchema, body, 'GET', path) as WaitResponse;
  }

  /**
   * `GET /api/v0/processes/events` (procvisor only): starts, exits (with the last lines), input
   * waits and listening ports of the processes this client may list, as an async iterator that
   * runs until the caller breaks or aborts. Reconnects where it broke off (`after` = the last
   * event's `seq`); see `streamProcessEvents`.
   */
  processEvents(options: ProcessEventsOptions = {}): AsyncGenerator<ProcessEvent> {
    return streamProcessEvents({
      ...options,
      dispatcher: this.dispatcher,
      url: new URL('api/v0/processes/events', this.base),
      headers: this.extraHeaders,
      requestTimeoutMs: this.requestTimeoutMs,
      idleTimeoutMs: this.streamIdleTimeoutMs,
      maxEventBytes: this.maxResponseBytes,
    });
  }

  /**
   * procvisor's output read: `GET /api/v0/processes/<id>/output` with waits (`wait=match|quiet|
   * output|exit`), a cursor (`delta`), a grep, `omit_output`. A waiting read counts as blocking
   * (it may take the server's cap).
   */
  async readOutput(id: string, query: OutputReadQuery, options: CallOptions = {}): Promise<OutputReadResponse> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    const path = `api/v0/processes/${encodeURIComponent(id)}/output?${params.toString()}`;
    const body = await this.call('GET', path, options.signal, query.wait !== undefined || query.grep !== undefined);
    return this.check(OutputReadResponseSchema, body, 'GET', path) as OutputReadResponse;
  }

  /**
   * Writes to the stdin (or terminal) of a process started with `stdin` or `pty` (procvisor).
   * 409 errors: `STDIN_NOT_OPEN`, `STDIN_CLOSED`, `PROCESS_NOT_RUNNING`.
   */
  async sendInput(id: string, input: ProcessInput, options: CallOptions = {}): Promise<SendInputResponse> {
    const path = `api/v0/processes/${encodeURIComponent(id)}/input`;
    const body = await this.call('POST', path, options.signal, false, {
      ...(input.text === undefined ? {} : { text: input.text }),
      ...(input.data === undefined ? {} : { data: Buffer.from(input.data).toString('base64') }),
      ...(input.eof === undefined ? {} : { eof: input.eof }),
    });
    return this.check(InputResponseSchema, body, 'POST', path);
  }

  /** Resizes the terminal of a process started with `pty` (procvisor); 409 `NOT_A_TERMINAL` otherwise. */
  async resizeTerminal(id: string, cols: number, rows: number, options: CallOptions = {}): Promise<ResizeTerminalResponse> {
    const path = `api/v0/processes/${encodeURIComponent(id)}/resize`;
    const body = await this.call('POST', path, options.signal, false, { cols, rows });
    return this.check(ResizeResponseSchema, body, 'POST', path);
  }

  /** `POST /api/v0/processes/<id>/signal` with `{signal}` (and procvisor's `grace_ms` when `graceMs` is set). */
  async signalProcess(id: string, signal: ProcessSignal, options: SignalProcessOptions = {}): Promise<SignalProcessResponse> {
    const path = `api/v0/processes/${encodeURIComponent(id)}/signal`;
    const body = await this.call('POST', path, options.signal, false, { signal, ...(options.graceMs === undefined ? {} : { grace_ms: options.graceMs }) });
    return this.check(SignalResponseSchema, body, 'POST', path);
  }

  /**
   * `GET /api/v0/processes/<id>/stream` (procvisor only): the process's output as it arrives,
   * from `cursor`, then its exit, as an async iterator that ends after the `exit` event. A dropped
   * or silent connection is reopened where it broke off (`Last-Event-ID`); see `streamEvents`.
   * Rejects with a ClientError (404 for an unknown id, TRANSPORT after repeated failures).
   */
  streamOutput(id: string, options: StreamOutputOptions = {}): AsyncGenerator<StreamEvent> {
    return streamEvents({
      ...options,
      dispatcher: this.dispatcher,
      url: new URL(`api/v0/processes/${encodeURIComponent(id)}/stream`, this.base),
      headers: this.extraHeaders,
      requestTimeoutMs: this.requestTimeoutMs,
      idleTimeoutMs: this.streamIdleTimeoutMs,
      maxEventBytes: this.maxResponseBytes,
    });
  }

  /** Closes the client's own connections (a dispatcher passed in is left open). Idempotent. */
  close(): Promise<void> {
    if (!this.ownsDispatcher) return Promise.resolve();
    this.closing ??= this.dispatcher.close();
    return this.closing;
  }

  private call(method: 'GET' | 'POST', path: string, signal: AbortSignal | undefined, blocking: boolean, body?: unknown): Promise<unknown> {
    return requestJson({
      dispatcher: this.dispatcher,
      method,
      url: new URL(path, this.base),
      headers: this.extraHeaders,
      body,
      signal,
      timeoutMs: blocking ? this.waitTimeoutMs : this.requestTimeoutMs,
      maxResponseBytes: this.maxResponseBytes,
    });
  }

  private check<S extends v.GenericSchema>(schema: S, body: unknown, method: string, path: string): v.InferOutput<S> {
    const result = v.safeParse(schema, body);
    if (result.success) return result.output;
    const url = new URL(path, this.base).toString();
    throw new ClientError('INVALID_RESPONSE', `decode response body: ${describeIssues(result.issues)}`, { method, url, status: 200 });
  }
}
