import { request, type IncomingMessage } from 'node:http';
import { readSse as parseSse } from '../../src/client/sse-reader.js';

export interface SseEvent {
  id: string | null;
  event: string;
  data: Record<string, unknown>;
}

/**
 * Reads Server-Sent Events from `url` with node:http (so a test can pause or cut the socket),
 * parsed by the SDK's SSE reader. `onEvent` returning false destroys the connection (a forced
 * disconnect); `pauseAfterHeaders` holds reading (TCP backpressure reaches the server) until it
 * resolves. Resolves with every event read when the stream ends or is cut.
 */
export async function readSse(
  url: string,
  options: { headers?: Record<string, string>; onEvent?: (event: SseEvent) => boolean | void; pauseAfterHeaders?: Promise<void> } = {},
): Promise<SseEvent[]> {
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(url, { headers: options.headers ?? {} }, resolve);
    req.on('error', reject);
    req.end();
  });
  if (res.statusCode !== 200) {
    res.resume();
    throw new Error(`stream answered ${res.statusCode}`);
  }
  if (options.pauseAfterHeaders) {
    res.pause();
    await options.pauseAfterHeaders;
  }
  const events: SseEvent[] = [];
  for await (const message of parseSse(res, 1 << 24)) {
    const event: SseEvent = { id: message.id ?? null, event: message.event, data: JSON.parse(message.data) as Record<string, unknown> };
    events.push(event);
    if (options.onEvent?.(event) === false) {
      res.destroy();
      break;
    }
  }
  return events;
}
