import type { Context } from 'koa';
import type { Logger } from '../logger.js';
import { encodeJson } from '../web/json.js';

/** Bytes an event stream may hold unsent before its client counts as stuck and is cut off. */
export const MAX_PENDING_EVENT_BYTES = 1024 * 1024;

export interface EventStreamOptions {
  /** How soon EventSource reconnects after the stream ends, ms; null sends no `retry:` line. */
  retryMs?: number | null;
  /** Unsent bytes beyond which the client is cut off. */
  maxPendingBytes?: number;
}

/** One open Server-Sent Events response. */
export interface EventStream {
  /**
   * Writes `event: <name>` (and `id: <id>` when given) with `data` as one JSON line, encoded as
   * the API encodes JSON. False if the stream is gone or was cut off.
   */
  send(name: string, data: unknown, id?: number | string): boolean;
  /** True while the socket's buffer is full: a producer that can wait should, until `onDrain`. */
  readonly backedUp: boolean;
  /** Calls `listener` once when the buffer has drained. */
  onDrain(listener: () => void): void;
  /** Writes an SSE comment (keeps proxies and dead-peer detection honest). */
  comment(text: string): boolean;
  /** Ends the response. Idempotent. */
  end(): void;
  /** Called once when the stream is closed, by either side; at once if it already is. */
  onClose(listener: () => void): void;
}

/**
 * Turns `ctx` into an SSE response and sends its headers: status 200, `text/event-stream`, no
 * caching, `Connection: close` (a stream ends only when one side leaves; an idle kept-alive
 * socket would hold a closing server until its cut-off), no socket timeout (an idle stream is
 * not a dead one), Nagle off. The response is written directly: handed to Koa as a piped body,
 * every client that leaves would be reported as a premature-close error. A client that stops
 * reading is cut off (its connection destroyed) once `maxPendingBytes` are queued, so one stuck
 * browser cannot grow the heap.
 */
export function openEventStream(ctx: Context, log: Logger, options: EventStreamOptions = {}): EventStream {
  const { retryMs = 2000, maxPendingBytes = MAX_PENDING_EVENT_BYTES } = options;
  const res = ctx.res;
  const socket = ctx.req.socket;
  socket.setTimeout(0);
  socket.setNoDelay(true);
  socket.setKeepAlive(true);
  ctx.status = 200; // for the access log; Koa itself stays out of this response
  ctx.type = 'text/event-stream; charset=utf-8';
  ctx.set('Cache-Control', 'no-cache, no-transform');
  ctx.set('X-Accel-Buffering', 'no');
  ctx.set('Connection', 'close');
  ctx.respond = false;
  res.flushHeaders();
  let open = true;
  const closeListeners: (() => void)[] = [];
  const closed = (): void => {
    if (!open) return;
    open = false;
    for (const listener of closeListeners.splice(0)) listener();
  };
  res.once('close', closed);
  // A write after the client left surfaces here, not as a throw.
  res.on('error', (error) => {
    log.debug({ err: error }, 'event stream failed');
    closed();
  });
  const write = (text: string): boolean => {
    if (!open || res.destroyed || res.writableEnded) return false;
    if (res.writableLength > maxPendingBytes) {
      log.warn({ pending_bytes: res.writableLength }, 'event stream client is not reading; cutting it off');
      // end() would wait for the queued bytes to drain, which is exactly what does not happen.
      res.destroy();
      closed();
      return false;
    }
    res.write(text);
    return true;
  };
  const end = (): void => {
    if (!res.writableEnded && !res.destroyed) res.end();
    closed();
  };
  if (retryMs !== null) write(`retry: ${retryMs}\n\n`);
  return {
    send: (name, data, id) => write(`${id === undefined ? '' : `id: ${id}\n`}event: ${name}\ndata: ${encodeJson(data).trimEnd()}\n\n`),
    get backedUp() {
      return res.writableNeedDrain;
    },
    onDrain: (listener) => {
      res.once('drain', listener);
    },
    comment: (text) => write(`: ${text}\n\n`),
    end,
    onClose: (listener) => {
      if (open) closeListeners.push(listener);
      else listener();
    },
  };
}
