import { request } from 'node:http';

export interface SseEvent {
  id: string | null;
  event: string;
  data: Record<string, unknown>;
}

/**
 * Reads Server-Sent Events from `url` with node:http (so a test can pause or cut the socket).
 * `onEvent` returning false destroys the connection (a forced disconnect). Resolves with every
 * event read when the stream ends or is cut.
 */
export function readSse(url: string, options: { headers?: Record<string, string>; onEvent?: (event: SseEvent) => boolean | void; pauseAfterHeaders?: Promise<void> } = {}): Promise<SseEvent[]> {
  return new Promise((resolve, reject) => {
    const events: SseEvent[] = [];
    const req = request(url, { headers: options.headers ?? {} }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`stream answered ${res.statusCode}`));
        res.resume();
        return;
      }
      let pending = '';
      let cut = false;
      if (options.pauseAfterHeaders) {
        res.pause();
        options.pauseAfterHeaders.then(
          () => res.resume(),
          (error: unknown) => reject(error as Error),
        );
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (cut) return;
        pending += chunk;
        let boundary = pending.indexOf('\n\n');
        while (boundary !== -1) {
          const block = pending.slice(0, boundary);
          pending = pending.slice(boundary + 2);
          boundary = pending.indexOf('\n\n');
          if (block.startsWith(':')) continue;
          const fields = new Map<string, string>();
          for (const line of block.split('\n')) {
            const colon = line.indexOf(':');
            fields.set(line.slice(0, colon), line.slice(colon + 2));
          }
          const event: SseEvent = { id: fields.get('id') ?? null, event: fields.get('event') ?? 'message', data: JSON.parse(fields.get('data') ?? '{}') as Record<string, unknown> };
          events.push(event);
          if (options.onEvent?.(event) === false) {
            cut = true;
            req.destroy();
            resolve(events);
            return;
          }
        }
      });
      res.on('end', () => resolve(events));
      res.on('error', (error) => (cut ? resolve(events) : reject(error)));
    });
    req.on('error', (error) => {
      if (events.length > 0) resolve(events);
      else reject(error);
    });
    req.end();
  });
}
