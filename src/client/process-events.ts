import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import * as v from 'valibot';
import { describeIssues } from '../describe-issues.js';
import { ClientError } from './client-error.js';
import type { ProcessEvent, ProcessEventsOptions } from './process-api.js';
import { abortedError, readBounded, statusError, transportError } from './request-json.js';
import { ProcessEventSchemas } from './response-schemas.js';
import { SseTooLargeError, readSse, type SseMessage } from './sse-reader.js';
import { MAX_STREAM_RECONNECTS } from './stream-output.js';

const RECONNECT_DELAY_MS = 200;
const MAX_RECONNECT_DELAY_MS = 2000;
const MAX_ERROR_BODY_BYTES = 65_536;

/** One events stream, as `ProcvisorClient.processEvents` opens it. */
export interface EventsCall extends ProcessEventsOptions {
  dispatcher: Dispatcher;
  /** `…/api/v0/processes/events`. */
  url: URL;
  headers: Record<string, string>;
  requestTimeoutMs: number;
  idleTimeoutMs: number;
  maxEventBytes: number;
}

/**
 * Yields the events of `GET /events` until the caller stops (break, or the abort signal). A
 * connection that drops, goes silent for `idleTimeoutMs` or ends (a restart) is reopened with
 * `Last-Event-ID` set to the last event's `seq`, so nothing is repeated; events the server no
 * longer holds are announced by a `lost` event. Gives up with a TRANSPORT ClientError after
 * `maxReconnects` failures in a row; a non-200 answer rejects at once.
 */
export async function* streamProcessEvents(call: EventsCall): AsyncGenerator<ProcessEvent> {
  let after = call.after;
  let failures = 0;
  const site = { method: 'GET' as const, url: call.url, signal: call.signal };
  for (;;) {
    if (call.signal?.aborted) throw abortedError(site, call.signal.reason);
    const url = new URL(call.url);
    if (after !== undefined) url.searchParams.set('after', String(after));
    let response: Dispatcher.ResponseData;
    try {
      response = await call.dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers: { ...call.headers, accept: 'text/event-stream' },
        signal: call.signal ?? null,
        headersTimeout: call.requestTimeoutMs,
        bodyTimeout: call.idleTimeoutMs,
      });
    } catch (error) {
      failures = await failed(call, site, failures, error);
      continue;
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
        const event = toProcessEvent(message, url);
        if (event === null) continue;
        failures = 0;
        after = event.seq;
        yield event;
      }
      failures = await failed(call, site, failures, new Error('the events stream ended'));
    } catch (error) {
      if (error instanceof ClientError) throw error;
      if (error instanceof SseTooLargeError) throw new ClientError('INVALID_RESPONSE', error.message, { method: 'GET', url: url.toString(), status: 200 });
      failures = await failed(call, site, failures, error);
    } finally {
      response.body.destroy();
    }
  }
}

async function failed(call: EventsCall, site: { method: 'GET'; url: URL; signal: AbortSignal | undefined }, failures: number, error: unknown): Promise<number> {
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
function toProcessEvent(message: SseMessage, url: URL): ProcessEvent | null {
  if (!Object.hasOwn(ProcessEventSchemas, message.event)) return null;
  const name = message.event as keyof typeof ProcessEventSchemas;
  const invalid = (why: string): ClientError => new ClientError('INVALID_RESPONSE', `decode ${name} event: ${why}`, { method: 'GET', url: url.toString(), status: 200 });
  if (message.id === undefined || !/^\d{1,16}$/.test(message.id)) throw invalid(`bad event id ${JSON.stringify(message.id ?? null)}`);
  let data: unknown;
  try {
    data = JSON.parse(message.data);
  } catch (error) {
    throw invalid((error as Error).message);
  }
  const parsed = v.safeParse(ProcessEventSchemas[name], data);
  if (!parsed.success) throw invalid(describeIssues(parsed.issues));
  return { event: name, seq: Number(message.id), ...parsed.output } as ProcessEvent;
}
