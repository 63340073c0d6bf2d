import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import * as v from 'valibot';
import { describeIssues } from '../describe-issues.js';
import { ClientError } from './client-error.js';
import type { StreamEvent, StreamOutputOptions } from './process-api.js';
import { abortedError, readBounded, requestJson, statusError, transportError } from './request-json.js';
import { StreamEventSchemas } from './response-schemas.js';
import { SseTooLargeError, readSse, type SseMessage } from './sse-reader.js';

/** Reconnections in a row, without an event in between, before the stream gives up. */
export const MAX_STREAM_RECONNECTS = 5;
/** First pause before reconnecting; it doubles with each failure in a row, up to the max. */
const RECONNECT_DELAY_MS = 200;
const MAX_RECONNECT_DELAY_MS = 2000;
/** Most bytes of an error answer read. */
const MAX_ERROR_BODY_BYTES = 65_536;

/** One stream of one process, as `ProcvisorClient.streamOutput` opens it. */
export interface StreamCall extends StreamOutputOptions {
  dispatcher: Dispatcher;
  /** `…/api/v0/processes/<id>/stream`. */
  url: URL;
  headers: Record<string, string>;
  /** Wait for the answer's headers. */
  requestTimeoutMs: number;
  /** Longest silence on an open stream (the server sends a keep-alive every 15 s) before it counts as dropped. */
  idleTimeoutMs: number;
  /** Longest event read (an output event carries at most 64 KiB, about 88 KiB in base64). */
  maxEventBytes: number;
}

/**
 * Yields the events of `GET /{id}/stream` until the `exit` event (yielded last). A connection
 * that drops, goes silent for `idleTimeoutMs` or ends without the exit is reopened with
 * `Last-Event-ID` set to the last event's cursor, so nothing is repeated or lost (base64
 * encoding is byte-exact; utf8 may lose a character split across the break). Gives up with a
 * TRANSPORT ClientError after `maxReconnects` failures in a row; a non-200 answer (404, 401)
 * rejects at once. Breaking out of the loop closes the connection.
 */
export async function* streamEvents(call: StreamCall): AsyncGenerator<StreamEvent> {
  let cursor: number | undefined;
  let site = { method: 'GET' as const, url: streamUrl(call, undefined), signal: call.signal };
  let failures = 0;
  for (;;) {
    if (call.signal?.aborted) throw abortedError(site, call.signal.reason);
    site = { ...site, url: streamUrl(call, cursor) };
    let response: Dispatcher.ResponseData;
    try {
      response = await call.dispatcher.request({
        origin: site.url.origin,
        path: `${site.url.pathname}${site.url.search}`,
        method: 'GET',
        headers: { ...call.headers, accept: 'text/event-stream', ...(cursor === undefined ? {} : { 'last-event-id': String(cursor) }) },
        signal: call.signal ?? null,
        headersTimeout: call.requestTimeoutMs,
        bodyTimeout: call.idleTimeoutMs,
      });
    } catch (error) {
      failures = await failed(call, site, failures, error);
      continue;
    }
    if (response.statusCode === 204) {
      // The process exited and the cursor is at its end (the exit event was lost with the
      // connection): the server has nothing to stream, so the exit comes from the output route.
      response.body.resume();
      yield await exitAfterEnd(call, site, cursor ?? call.cursor ?? 0);
      return;
    }
    if (response.statusCode !== 200) {
      let raw: Buffer;
      try {
        raw = (await readBounded(response.body, MAX_ERROR_BODY_BYTES)) ?? Buffer.alloc(0);
      } catch (error) {
        throw transportError(site, error);
      }
      throw statusError(site, response, raw);
    }
    try {
      for await (const message of readSse(response.body as AsyncIterable<Buffer>, call.maxEventBytes)) {
        const event = toStreamEvent(message, site);
        if (event === null) continue;
        failures = 0;
        cursor = event.cursor;
        yield event;
        if (event.event === 'exit') return;
      }
      // The server ended the stream without the exit event (it is shutting down, a proxy cut it).
      failures = await failed(call, site, failures, new Error('stream ended before the exit event'));
    } catch (error) {
      if (error instanceof ClientError) throw error;
      if (error instanceof SseTooLargeError) throw new ClientError('INVALID_RESPONSE', error.message, { ...site, url: site.url.toString(), status: 200 });
      failures = await failed(call, site, failures, error);
    } finally {
      response.body.destroy();
    }
  }
}

/** The first request carries the caller's cursor; a resumption only `Last-Event-ID` (which the server prefers over the query). */
function streamUrl(call: StreamCall, resumeAt: number | undefined): URL {
  const url = new URL(call.url);
  if (resumeAt === undefined && call.cursor !== undefined) url.searchParams.set('cursor', String(call.cursor));
  url.searchParams.set('encoding', call.encoding ?? 'utf8');
  return url;
}

const ExitedOutputSchema = v.looseObject({
  running: v.literal(false),
  exit_code: v.number(),
  exit_signal: v.optional(v.string()),
  exit_reason: v.optional(v.string(), 'exited'),
  duration_ms: v.optional(v.number(), 0),
});

/** The exit event of a process whose stream answered 204, read from `GET /{id}/output`. */
async function exitAfterEnd(call: StreamCall, site: { method: 'GET'; url: URL }, cursor: number): Promise<StreamEvent> {
  const url = new URL(call.url);
  url.pathname = url.pathname.replace(/\/stream$/, '/output');
  url.search = '';
  const body = await requestJson({ dispatcher: call.dispatcher, method: 'GET', url, headers: call.headers, signal: call.signal, timeoutMs: call.requestTimeoutMs, maxResponseBytes: call.maxEventBytes });
  const parsed = v.safeParse(ExitedOutputSchema, body);
  if (!parsed.success) throw new ClientError('INVALID_RESPONSE', `decode exit after 204: ${describeIssues(parsed.issues)}`, { method: site.method, url: url.toString(), status: 200 });
  const { exit_code, exit_signal, exit_reason, duration_ms } = parsed.output;
  return { event: 'exit', cursor, exit_code, ...(exit_signal === undefined ? {} : { exit_signal }), exit_reason, duration_ms, next_cursor: cursor };
}

/** Counts a failure; throws once there were too many in a row, else waits before the next try. */
async function failed(call: StreamCall, site: { method: 'GET'; url: URL; signal: AbortSignal | undefined }, failures: number, error: unknown): Promise<number> {
  if (call.signal?.aborted) throw abortedError(site, call.signal.reason);
  const count = failures + 1;
  if (count > (call.maxReconnects ?? MAX_STREAM_RECONNECTS)) throw transportError(site, error);
  try {
    await sleep(Math.min(RECONNECT_DELAY_MS * 2 ** (count - 1), MAX_RECONNECT_DELAY_MS), undefined, { signal: call.signal });
  } catch {
    throw abortedError(site, call.signal?.reason);
  }
  return count;
}

/** Checks one message; null for an event name this SDK does not know (a newer server's). */
function toStreamEvent(message: SseMessage, site: { method: 'GET'; url: URL }): StreamEvent | null {
  if (!Object.hasOwn(StreamEventSchemas, message.event)) return null;
  const name = message.event as keyof typeof StreamEventSchemas;
  const invalid = (why: string): ClientError => new ClientError('INVALID_RESPONSE', `decode ${name} event: ${why}`, { method: site.method, url: site.url.toString(), status: 200 });
  const cursor = Number(message.id);
  if (message.id === undefined || !/^\d{1,16}$/.test(message.id)) throw invalid(`bad event id ${JSON.stringify(message.id ?? null)}`);
  let data: unknown;
  try {
    data = JSON.parse(message.data);
  } catch (error) {
    throw invalid((error as Error).message);
  }
  const parsed = v.safeParse(StreamEventSchemas[name], data);
  if (!parsed.success) throw invalid(describeIssues(parsed.issues));
  return { event: name, cursor, ...parsed.output } as StreamEvent;
}
