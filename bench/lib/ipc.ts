/** Messages between the bench driver and its child processes (the service, the floor servers). */

export interface ChildStats {
  /** Long polls parked right now (the service's supervisor waiters, or the floor's held requests). */
  held: number;
  /** Service only: exited and running records. */
  exited?: number;
  running?: number;
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/**
 * Diagnostics run inside the service process (serve.ts), to split a service/floor ratio into
 * its parts: `raw` = child_process.spawn('sh', ['-c', command]) → close in the service process;
 * `supervisor` = supervisor.start + waitForExit without HTTP. Each runs back to back for `ms`.
 */
export interface ProbeRequest {
  kind: 'raw' | 'supervisor';
  command: string;
  /** Runs for this long, and at least `count` times (default 10). */
  ms: number;
  count?: number;
  /** raw only: the child in its own session, at this niceness (as the service's children run). */
  detached?: boolean;
  nice?: number;
}

export type ToChild = { type: 'stats'; seq: number; gc?: boolean } | ({ type: 'probe'; seq: number } & ProbeRequest) | { type: 'close' };
export type FromChild =
  | { type: 'ready'; url: string }
  | { type: 'stats'; seq: number; stats: ChildStats }
  | { type: 'probe'; seq: number; latencies: number[] }
  | { type: 'probe'; seq: number; error: string }
  | { type: 'error'; message: string };

function hasType(message: unknown): message is { type: string } {
  return typeof message === 'object' && message !== null && typeof (message as { type?: unknown }).type === 'string';
}

export const isToChild = (message: unknown): message is ToChild => hasType(message);
export const isFromChild = (message: unknown): message is FromChild => hasType(message);

export function memoryStats(): Pick<ChildStats, 'rss' | 'heapUsed' | 'external' | 'arrayBuffers'> {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

/** Sends to the parent, ignoring a parent that is already gone. */
export function sendToParent(message: FromChild): void {
  if (process.send && process.connected) process.send(message);
}

export interface ParentHandlers {
  stats(): ChildStats;
  close(): Promise<void>;
  probe?(request: ProbeRequest): Promise<number[]>;
}

/**
 * Serves the driver's requests in a child: `stats` (after a full GC when asked and the child
 * runs with --expose-gc), `probe`, and `close` (or the driver going away) → `close()` then exit.
 * Exits 1 if `close()` fails.
 */
export function serveParent(handlers: ParentHandlers): void {
  let closing = false;
  const shutdown = (): void => {
    if (closing) return;
    closing = true;
    handlers.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`bench child ${process.pid}: close failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('message', (message: unknown) => {
    if (!isToChild(message)) return;
    if (message.type === 'stats') {
      if (message.gc) globalThis.gc?.();
      sendToParent({ type: 'stats', seq: message.seq, stats: handlers.stats() });
    } else if (message.type === 'probe') {
      const { seq } = message;
      if (!handlers.probe) {
        sendToParent({ type: 'probe', seq, error: 'this child has no probes' });
        return;
      }
      handlers.probe(message).then(
        (latencies) => sendToParent({ type: 'probe', seq, latencies }),
        (error: unknown) => sendToParent({ type: 'probe', seq, error: String(error) }),
      );
    } else shutdown();
  });
  process.on('disconnect', shutdown);
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
