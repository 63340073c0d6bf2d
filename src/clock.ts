/**
 * The time source of everything time-based in procvisor. xstate's `SimulatedClock` satisfies it,
 * so tests drive reaping, drain cut-offs and wait caps without real time.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The wall clock, backed by Node's timers. Its timers do not keep the event loop alive. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => {
    const handle = setTimeout(callback, delayMs);
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
