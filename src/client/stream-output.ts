import * as v from 'valibot';
import { describeIssues } from '../describe-issues.js';
import { ClientError } from './client-error.js';
import type { StreamEvent, StreamOutputOptions } from './process-api.js';
import { requestJson } from './request-json.js';
import { StreamEventSchemas } from './response-schemas.js';
import { decodeSseMessage, resumableSse, type SseConnection } from './resumable-sse.js';

export { MAX_STREAM_RECONNECTS } from './resumable-sse.js';

/** One stream of one process, as `ProcvisorClient.streamOutput` opens it (an output event carries at most 64 KiB, about 88 KiB in base64). */
export interface StreamCall extends StreamOutputOptions, SseConnection {
  /** `…/api/v0/processes/<id>/stream`. */
  url: URL;
}

/**
 * Yields the events of `GET /{id}/stream` until the `exit` event (yielded last). A connection
 * that drops, goes silent for `idleTimeoutMs` or ends without the exit is reopened with
 * `Last-Event-ID` set to the last event's cursor, so nothing is repeated or lost (base64
 * encoding is byte-exact; utf8 may lose a character split across the break). Gives up with a
 * TRANSPORT ClientError after `maxReconnects` failures in a row; a non-200 answer (404, 401)
 * rejects at once. Breaking out of the loop closes the connection.
 */
export function streamEvents(call: StreamCall): AsyncGenerator<StreamEvent> {
  let cursor: number | undefined;
  return resumableSse<StreamEvent>(call, {
    attempt: () => {
      const headers: Record<string, string> = {};
      if (cursor !== undefined) headers['last-event-id'] = String(cursor);
      return { url: streamUrl(call, cursor), headers };
    },
    decode: (message, url) => {
      const decoded = decodeSseMessage(message, StreamEventSchemas, url);
      if (decoded === null) return null;
      cursor = decoded.id;
      return { event: decoded.name, cursor: decoded.id, ...decoded.data } as StreamEvent;
    },
    isLast: (event) => event.event === 'exit',
    // The process exited and the cursor is at its end (the exit event was lost with the
    // connection): the server has nothing to stream, so the exit comes from the output route.
    onNoContent: (url) => exitAfterEnd(call, url, cursor ?? call.cursor ?? 0),
    // The server ended the stream without the exit event (it is shutting down, a proxy cut it).
    endedWhy: 'stream ended before the exit event',
  });
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
async function exitAfterEnd(call: StreamCall, from: URL, cursor: number): Promise<StreamEvent> {
  const url = new URL(from);
  url.pathname = url.pathname.replace(/\/stream$/, '/output');
  url.search = '';
  const body = await requestJson({ dispatcher: call.dispatcher, method: 'GET', url, headers: call.headers, signal: call.signal, timeoutMs: call.requestTimeoutMs, maxResponseBytes: call.maxEventBytes });
  const parsed = v.safeParse(ExitedOutputSchema, body);
  if (!parsed.success) throw new ClientError('INVALID_RESPONSE', `decode exit after 204: ${describeIssues(parsed.issues)}`, { method: 'GET', url: url.toString(), status: 200 });
  const { exit_code, exit_signal, exit_reason, duration_ms } = parsed.output;
  return { event: 'exit', cursor, exit_code, ...(exit_signal === undefined ? {} : { exit_signal }), exit_reason, duration_ms, next_cursor: cursor };
}
