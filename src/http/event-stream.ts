import { PassThrough } from 'node:stream';
import type { Context } from 'koa';
import type { Logger } from '../logger.js';

/** Bytes an event stream may hold unsent before its client counts as stuck and is cut off. */
export const MAX_PENDING_EVENT_BYTES = 1024 * 1024;

/** One open Server-Sent Events response. */
export interface EventStream {
  /** Writes `event: <name>` with `data` as one JSON line. False if the stream is gone or was cut off. */
  send(name: string, data: unknown): boolean;
  /** Writes an SSE comment (keeps proxies and dead-peer detection honest). */
  comment(text: string): boolean;
  /** Ends the response. Idempotent. */
  end(): void;
  /** Called once when the stream is closed, by either side. */
  onClose(listener: () => void): void;
}

/**
 * Turns `ctx` into an SSE response: status 200, `text/event-stream`, no caching, no socket
 * timeout (an idle stream is not a dead one), Nagle off, `Connection: close`. The body is a PassThrough that Koa
 * pipes and destroys when the client leaves. A client that stops reading is ended once
 * MAX_PENDING_EVENT_BYTES are queued, so one stuck browser cannot grow the heap. `retryMs` tells
 * EventSource how soon to reconnect.
 */
export function openEventStream(ctx: Context, log: Logger, retryMs = 2000): EventStream {
  const stream = new PassThrough();
  const socket = ctx.req.socket;
  socket.setTimeout(0);
  socket.setNoDelay(true);
  socket.setKeepAlive(true);
  ctx.status = 200;
  ctx.type = 'text/event-stream; charset=utf-8';
  ctx.set('Cache-Control', 'no-cache, no-transform');
  ctx.set('X-Accel-Buffering', 'no');
  // A stream ends only when one side leaves; its connection is not worth keeping, and an idle
  // kept-alive socket would hold a closing server until its cut-off.
  ctx.set('Connection', 'close');
  ctx.body = stream;
  let open = true;
  const closeListeners: (() => void)[] = [];
  const closed = (): void => {
    if (!open) return;
    open = false;
    for (const listener of closeListeners.splice(0)) listener();
  };
  stream.once('close', closed);
  // A write after the client left surfaces here, not as a throw.
  stream.on('error', (error) => {
    log.debug({ err: error }, 'event stream failed');
    closed();
  });
  const write = (text: string): boolean => {
    if (!open || stream.destroyed || stream.writableEnded) return false;
    if (stream.writableLength > MAX_PENDING_EVENT_BYTES) {
      log.warn({ pending_bytes: stream.writableLength }, 'event stream client is not reading; ending it');
      end();
      return false;
    }
    stream.write(text);
    return true;
  };
  const end = (): void => {
    if (!stream.writableEnded) stream.end();
    closed();
  };
  write(`retry: ${retryMs}\n\n`);
  return {
    send: (name, data) => write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`),
    comment: (text) => write(`: ${text}\n\n`),
    end,
    onClose: (listener) => {
      if (open) closeListeners.push(listener);
      else listener();
    },
  };
}
