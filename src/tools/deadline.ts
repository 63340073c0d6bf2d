/** Node's timers hold at most 2^31 - 1 ms (about 24.8 days); a longer delay would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A signal that aborts when the parent aborts or `timeoutMs` passes; `dispose()` frees the timer. */
export interface Deadline {
  signal: AbortSignal;
  dispose(): void;
}

/**
 * Go's `context.WithTimeout(parent, d)`: a zero or negative timeout gives a signal that is already
 * aborted; longer timeouts are clamped to what a Node timer can hold. The abort reason reads
 * `context deadline exceeded`, so errors of calls it cut say why. Always `dispose()` it.
 */
export function withDeadline(parent: AbortSignal | undefined, timeoutMs: number): Deadline {
  const controller = new AbortController();
  const expire = (): void => controller.abort(new DOMException('context deadline exceeded', 'TimeoutError'));
  let timer: NodeJS.Timeout | undefined;
  if (timeoutMs <= 0) expire();
  else timer = setTimeout(expire, Math.min(timeoutMs, MAX_TIMER_MS));
  const signal = parent === undefined ? controller.signal : AbortSignal.any([parent, controller.signal]);
  return { signal, dispose: () => clearTimeout(timer) };
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
