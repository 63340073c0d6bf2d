import type { ProcessApi } from '../client/process-api.js';

/** What a tool hands back: text for the model, and whether the call itself was refused. */
export interface ToolResponse {
  text: string;
  /**
   * True only for tool-level errors (bad arguments, no agent), as in the reference. A command
   * that failed, timed out or could not start is a normal response whose JSON says
   * `success: false`.
   */
  isError: boolean;
}

/** Per-call context: aborting `signal` cancels the call (the reference's tool ctx). */
export interface ToolContext {
  signal?: AbortSignal | undefined;
  /**
   * The host's id of this tool call, when a retried call carries the same one: `execute` then
   * derives its idempotency key from it, so a retry attaches instead of running twice.
   */
  callId?: string | undefined;
}

/** A JSON Schema (draft 2020-12 subset) describing a tool's input object. */
export interface ToolInputSchema {
  type: 'object';
  properties: Record<string, { type: 'string' | 'boolean' | 'integer' | ('integer' | 'boolean')[]; description?: string; enum?: string[]; minimum?: number }>;
  required?: string[];
}

/**
 * One LLM chat tool: a name, a description for the model, the JSON schema of its input, and
 * `run`, which never rejects: every failure becomes a ToolResponse.
 */
export interface ChatTool {
  name: string;
  description: string;
  inputSchema: ToolInputSchema;
  run(input: unknown, context?: ToolContext): Promise<ToolResponse>;
}

/**
 * Where the tools get their agent: a client, or a function called at every tool call that
 * returns one (the reference's lazy `GetWorkspaceConn`; its error is shown to the model).
 */
export type ClientSource = ProcessApi | ((signal: AbortSignal | undefined) => ProcessApi | Promise<ProcessApi>);

export function toolError(text: string): ToolResponse {
  return { text, isError: true };
}

export function toolText(text: string): ToolResponse {
  return { text, isError: false };
}

/** The text of any thrown value, as Go's `%v` of an error. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export const NO_RESOLVER = 'workspace connection resolver is not configured';

/** A value, or the tool error a call answers with instead. */
export type Checked<T> = { ok: true; value: T } | { ok: false; response: ToolResponse };

/** The agent of one call, or the tool error to answer with (no source, or the resolver failed). */
export async function resolveClient(source: ClientSource | undefined, signal: AbortSignal | undefined): Promise<Checked<ProcessApi>> {
  if (source === undefined) return { ok: false, response: toolError(NO_RESOLVER) };
  if (typeof source !== 'function') return { ok: true, value: source };
  try {
    return { ok: true, value: await source(signal) };
  } catch (error) {
    return { ok: false, response: toolError(errorText(error)) };
  }
}

/** Runs a tool body; an unexpected exception becomes a tool error, so `run` never rejects. */
export async function neverRejects(body: () => Promise<ToolResponse>): Promise<ToolResponse> {
  try {
    return await body();
  } catch (error) {
    return toolError(errorText(error));
  }
}
