import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import * as v from 'valibot';
import { describeIssues } from '../describe-issues.js';
import { ClientError } from './client-error.js';
import { abortedError, readBounded, statusError, transportError } from './request-json.js';
import { SseTooLargeError, readSse, type SseMessage } from './sse-reader.js';

/** Reconnections in a row, without an event in between, before a stream gives up. */
export const MAX_STREAM_RECONNECTS = 5;
/** First pause before reconnecting; it doubles with each failure in a row, up to the max. */
const RECONNECT_DELAY_MS = 200;
const MAX_RECONNECT_DELAY_MS = 2000;
/** Most bytes of an error answer read. */
const MAX_ERROR_BODY_BYTES = 65_536;

/** The transport settings of one resumable stream (both SSE routes share them). */
export interface SseConnection {
  dispatcher: Dispatcher;
  headers: Record<string, string>;
  /** Wait for the answer's headers. */
  requestTimeoutMs: number;
  /** Longest silence on an open stream (the server sends a keep-alive every 15 s) before it counts as dropped. */
  idleTimeoutMs: number;
  /** Longest event read. */
  maxEventBytes: number;
  signal?: AbortSignal;
  maxReconnects?: number;
}

/** What one stream route adds to the shared reconnect loop. */
export interface SseRoute<T> {
  /** The URL and extra headers of the next attempt (they carry where to resume). */
  attempt(): { url: URL; headers: Record<string, string> };
  /** One message as an event, or null to skip it (a newer server's event name). May throw a ClientError. */
  decode(message: SseMessage, url: URL): T | null;
  /** Called with each yielded event; true ends the stream after it (e.g. the exit). */
  isLast?(event: T): boolean;
  /** A 204 answer: the last event to yield, after which the stream ends. Absent: 204 is an unexpected status. */
  onNoContent?(url: URL): Promise<T>;
  /** Why a stream that ended by itself is reopened (it is a failure in a row). */
  endedWhy: string;
}

/**
 * The reconnect loop of procvisor's SSE routes: opens `route.attempt()`, yields decoded events,
 * and reopens a connection that drops, goes silent for `idleTimeoutMs` or ends (the route's
 * `attempt` resumes from the last event, e.g. with `Last-Event-ID`). Gives up with a TRANSPORT
 * ClientError after `maxReconnects` failures in a row; a non-200 answer (404, 401) rejects at
 * once; the abort signal rejects with ABORTED. Breaking out of the loop closes the connection.
 */
export async function* resumableSse<T>(connection: SseConnection, route: SseRoute<T>): AsyncGenerator<T> {
  let failures = 0;
  for (;;) {
    const { url, headers } = route.attempt();
    const site = { method: 'GET' as const, url, signal: connection.signal };
    if (connection.signal?.aborted) throw abortedError(site, connection.signal.reason);
    let response: Dispatcher.ResponseData;
    try {
      response = await connection.dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers: { ...connection.headers, accept: 'text/event-stream', ...headers },
        signal: connection.signal ?? null,
        headersTimeout: connection.requestTimeoutMs,
        bodyTimeout: connection.idleTimeoutMs,
      });
    } catch (error) {
      failures = await failed(connection, site, failures, error);
      continue;
    }
    if (response.statusCode === 204 && route.onNoContent) {
      response.body.resume();
      yield await route.onNoContent(url);
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
      for await (const message of readSse(response.body as AsyncIterable<Buffer>, connection.maxEventBytes)) {
        const event = route.decode(message, url);
        if (event === null) continue;
        failures = 0;
        yield event;
        if (route.isLast?.(event)) return;
      }
      failures = await failed(connection, site, failures, new Error(route.endedWhy));
    } catch (error) {
      if (error instanceof ClientError) throw error;
      if (error instanceof SseTooLargeError) throw new ClientError('INVALID_RESPONSE', error.message, { method: 'GET', url: url.toString(), status: 200 });
      failures = await failed(connection, site, failures, error);
    } finally {
      response.body.destroy();
    }
  }
}

/** Counts a failure; throws once there were too many in a row, else waits before the next try. */
async function failed(connection: SseConnection, site: { method: 'GET'; url: URL; signal: AbortSignal | undefined }, failures: number, error: unknown): Promise<number> {
  if (connection.signal?.aborted) throw abortedError(site, connection.signal.reason);
  const count = failures + 1;
  if (count > (connection.maxReconnects ?? MAX_STREAM_RECONNECTS)) throw transportError(site, error);
  try {
    await sleep(Math.min(RECONNECT_DELAY_MS * 2 ** (count - 1), MAX_RECONNECT_DELAY_MS), undefined, { signal: connection.signal });
  } catch {
    throw abortedError(site, connection.signal?.reason);
  }
  return count;
}

/**
 * Checks one SSE message against the schema of its event name: its numeric `id` and its JSON
 * `data`. Null for an event name not in `schemas` (a newer server's); an INVALID_RESPONSE
 * ClientError for a bad id or data.
 */
export function decodeSseMessage<S extends Record<string, v.GenericSchema>>(
  message: SseMessage,
  schemas: S,
  url: URL,
): { name: keyof S & string; id: number; data: v.InferOutput<S[keyof S]> } | null {
  if (!Object.hasOwn(schemas, message.event)) return null;
  const name = message.event as keyof S & string;
  const invalid = (why: string): ClientError => new ClientError('INVALID_RESPONSE', `decode ${name} event: ${why}`, { method: 'GET', url: url.toString(), status: 200 });
  if (message.id === undefined || !/^\d{1,16}$/.test(message.id)) throw invalid(`bad event id ${JSON.stringify(message.id ?? null)}`);
  let data: unknown;
  try {
    data = JSON.parse(message.data);
  } catch (error) {
    throw invalid((error as Error).message);
  }
  const parsed = v.safeParse(schemas[name] as v.GenericSchema, data);
  if (!parsed.success) throw invalid(describeIssues(parsed.issues));
  return { name, id: Number(message.id), data: parsed.output as v.InferOutput<S[keyof S]> };
}
