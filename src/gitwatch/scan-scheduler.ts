import type { Clock } from '../clock.js';

/** Settings of a ScanScheduler; times are on the injected clock. */
export interface ScanSchedulerOptions {
  clock: Clock;
  /** Least time between the starts of two scans. */
  cooldownMs: number;
  /** A scan starts on its own when none started for this long. */
  pollIntervalMs: number;
  /** One scan. The signal aborts when the scheduler closes; the promise should then settle soon. */
  scan: (signal: AbortSignal) => Promise<void>;
  /** A scan that rejected for another reason than the abort. */
  onError: (error: unknown) => void;
}

/**
 * Runs scans one at a time, at most one start per `cooldownMs`, on request and as a fallback
 * poll. Requests coalesce: any number of them while a scan runs or cools down cause one more
 * scan. The poll timer restarts at every scan start, so a busy watcher never polls on top.
 * `close()` clears every timer, aborts the running scan and resolves when it settled.
 */
export class ScanScheduler {
  private readonly options: ScanSchedulerOptions;
  private readonly abort = new AbortController();
  private lastStartMs: number | null = null;
  private requested = false;
  private running: Promise<void> | null = null;
  private cooldownTimer: unknown = null;
  private pollTimer: unknown = null;
  private scanCount = 0;

  constructor(options: ScanSchedulerOptions) {
    this.options = options;
  }

  /** Scans started so far. */
  get scans(): number {
    return this.scanCount;
  }

  get closed(): boolean {
    return this.abort.signal.aborted;
  }

  /** Asks for a scan as soon as the cooldown allows. Cheap; safe to call any time. */
  request(): void {
    if (this.closed) return;
    this.requested = true;
    this.pump();
  }

  /** Stops for good: no timer stays armed and the running scan is aborted. */
  async close(): Promise<void> {
    if (!this.closed) {
      this.abort.abort(new Error('scan scheduler closed'));
      this.options.clock.clearTimeout(this.cooldownTimer);
      this.options.clock.clearTimeout(this.pollTimer);
      this.cooldownTimer = null;
      this.pollTimer = null;
    }
    await this.running;
  }

  private pump(): void {
    if (this.closed || !this.requested || this.running !== null || this.cooldownTimer !== null) return;
    const { clock, cooldownMs } = this.options;
    const waitMs = this.lastStartMs === null ? 0 : this.lastStartMs + cooldownMs - clock.now();
    if (waitMs > 0) {
      this.cooldownTimer = clock.setTimeout(() => {
        this.cooldownTimer = null;
        this.pump();
      }, waitMs);
      return;
    }
    this.start();
  }

  private start(): void {
    const { clock, pollIntervalMs } = this.options;
    this.requested = false;
    this.lastStartMs = clock.now();
    this.scanCount += 1;
    clock.clearTimeout(this.pollTimer);
    this.pollTimer = clock.setTimeout(() => {
      this.pollTimer = null;
      this.request();
    }, pollIntervalMs);
    this.running = this.runOne().finally(() => {
      this.running = null;
      this.pump();
    });
  }

  private async runOne(): Promise<void> {
    try {
      await this.options.scan(this.abort.signal);
    } catch (error) {
      if (!this.closed) this.options.onError(error);
    }
  }
}
