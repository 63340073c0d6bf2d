import type { ProcessEvent, ProcessEventsOptions } from './process-api.js';
import { ProcessEventSchemas } from './response-schemas.js';
import { decodeSseMessage, resumableSse, type SseConnection } from './resumable-sse.js';

/** One events stream, as `ProcvisorClient.processEvents` opens it. */
export interface EventsCall extends ProcessEventsOptions, SseConnection {
  /** `…/api/v0/processes/events`. */
  url: URL;
}

/**
 * Yields the events of `GET /events` until the caller stops (break, or the abort signal). A
 * connection that drops, goes silent for `idleTimeoutMs` or ends (a restart) is reopened with
 * `?after=` the last event's `seq`, so nothing is repeated; events the server no longer holds
 * are announced by a `lost` event. Gives up with a TRANSPORT ClientError after `maxReconnects`
 * failures in a row; a non-200 answer rejects at once.
 */
export function streamProcessEvents(call: EventsCall): AsyncGenerator<ProcessEvent> {
  let after = call.after;
  return resumableSse<ProcessEvent>(call, {
    attempt: () => {
      const url = new URL(call.url);
      if (after !== undefined) url.searchParams.set('after', String(after));
      return { url, headers: {} };
    },
    decode: (message, url) => {
      const decoded = decodeSseMessage(message, ProcessEventSchemas, url);
      if (decoded === null) return null;
      after = decoded.id;
      return { event: decoded.name, seq: decoded.id, ...decoded.data } as ProcessEvent;
    },
    endedWhy: 'the events stream ended',
  });
}
