import { CONFIG_DEFAULTS } from '../config.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { promptLine } from './tail-lines.js';
import type { ProcessProbe } from './process-probe.js';
import type { ProcessRecord } from './process-record.js';

export interface InputWatchSettings {
  /** Quiet time (no output, no input) before a process is looked at, ms. */
  settleMs: number;
  /** Period of the shared timer, ms. */
  tickMs: number;
  /** Processes looked at per tick at most (the most overdue first). */
  maxChecksPerTick: number;
  /** Longest pause between two looks at a quiet process found not waiting, ms. */
  maxBackoffMs: number;
}

export const DEFAULT_INPUT_WATCH: InputWatchSettings = { settleMs: CONFIG_DEFAULTS.inputSettleMs, tickMs: 100, maxChecksPerTick: 16, maxBackoffMs: 4000 };

interface Entry {
  record: ProcessRecord;
  pid: number;
  /** Resolved at the first look (see ProcessProbe.inputTargets). */
  targets: ReadonlySet<string> | null;
  /** Last output or input, epoch ms: the start of the current quiet stretch. */
  quietSince: number;
  seenOutputAt: number;
  nextCheckAt: number;
  backoffMs: number;
  /** A positive look awaiting its confirmation (the output end it saw). */
  confirming: boolean;
}

/**
 * Knows which processes wait for input: started with stdin open or a terminal, quiet for
 * `settleMs`, and blocked reading that stdin or terminal (asked of the probe, i.e. /proc). Sets
 * `record.waitingForInput` and calls `onWaiting` when one starts waiting; clears it on output,
 * input, a look that finds it busy, stdin closed, or the exit.
 *
 * Cost: one shared timer every `tickMs` while any process is watched. A tick walks the watched
 * records in memory (no I/O) and asks the probe about at most `maxChecksPerTick` of them: only
 * quiet ones that are due. A quiet process found not waiting is looked at again after a pause that
 * doubles up to `maxBackoffMs`; one found waiting stays waiting until it writes, gets input,
 * closes stdin or exits (all seen without /proc), or a look every `maxBackoffMs` finds it busy (a
 * `read -t` that timed out and goes on silently). So the probes per second are at most
 * min(N / (maxBackoffMs/1000), maxChecksPerTick × 1000/tickMs) for N quiet processes, each at
 * most MAX_TREE_PROCESSES processes deep, whatever N is; beyond that, detection is later, never
 * more costly. Output resets the pause, so the usual prompt (text, then a read) is seen
 * `settleMs` to `settleMs + tickMs` after it was written.
 *
 * A process can print its prompt and block reading before the service has read that prompt
 * from the pipe (it sits in the socket buffer while the timer runs). So a positive look is
 * confirmed one event-loop turn later (a 0 ms timer runs after the pending I/O is read): only if
 * no output arrived meanwhile is the process reported, with the prompt complete.
 */
export class InputWatch {
  private readonly entries = new Map<ProcessRecord, Entry>();
  private timer: unknown = null;
  private closed = false;

  constructor(
    private readonly probe: ProcessProbe,
    private readonly clock: Clock,
    private readonly settings: InputWatchSettings,
    private readonly log: Logger,
    private readonly onWaiting: (record: ProcessRecord) => void,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Watches `record` (just spawned as `pid`). */
  add(record: ProcessRecord, pid: number): void {
    if (this.closed) return;
    const targets = null;
    const lastOutputAt = record.snapshot.context.buffer.lastOutputAt;
    const quietSince = Math.max(lastOutputAt, this.clock.now());
    this.entries.set(record, { record, pid, targets, quietSince, seenOutputAt: lastOutputAt, nextCheckAt: quietSince + this.settings.settleMs, backoffMs: this.settings.tickMs, confirming: false });
    this.schedule();
  }

  /** Stops watching `record` (it exited). */
  remove(record: ProcessRecord): void {
    if (!this.entries.delete(record)) return;
    this.clear(record);
  }

  /** Input was written to `record`: it is no longer waiting; look again once it is quiet. */
  inputSent(record: ProcessRecord): void {
    const entry = this.entries.get(record);
    if (!entry) return;
    const now = this.clock.now();
    entry.quietSince = now;
    entry.backoffMs = this.settings.tickMs;
    entry.nextCheckAt = now + this.settings.settleMs;
    this.clear(record);
  }

  /** One pass of the shared timer (public for specs that drive a simulated clock). */
  tick(): void {
    const now = this.clock.now();
    const due: Entry[] = [];
    for (const entry of this.entries.values()) {
      const { record } = entry;
      if (!record.running) {
        this.remove(record);
        continue;
      }
      const context = record.snapshot.context;
      if (!context.stdinOpen && record.info.pty === null) {
        // Stdin closed: the process reads EOF, it cannot wait for us any more.
        this.remove(record);
        continue;
      }
      const lastOutputAt = context.buffer.lastOutputAt;
      if (lastOutputAt !== entry.seenOutputAt) {
        entry.seenOutputAt = lastOutputAt;
        entry.quietSince = Math.max(entry.quietSince, lastOutputAt);
        entry.backoffMs = this.settings.tickMs;
        entry.nextCheckAt = entry.quietSince + this.settings.settleMs;
        this.clear(record);
      }
      // A waiting process is due too, every maxBackoffMs: one whose read timed out (`read -t`)
      // and that goes on silently is found busy and cleared.
      if (!entry.confirming && now - entry.quietSince >= this.settings.settleMs && now >= entry.nextCheckAt) due.push(entry);
    }
    due.sort((a, b) => a.nextCheckAt - b.nextCheckAt);
    for (const entry of due.slice(0, this.settings.maxChecksPerTick)) this.check(entry, now);
  }

  private check(entry: Entry, now: number): void {
    const { record } = entry;
    let waiting = false;
    try {
      entry.targets ??= this.probe.inputTargets(entry.pid, record.info.pty !== null);
      if (entry.targets !== null) waiting = this.probe.waitsForInput(entry.pid, entry.targets);
    } catch (error) {
      record.log.warn({ err: error }, 'input probe failed');
      waiting = false;
    }
    if (!waiting) {
      this.clear(record);
      entry.backoffMs = Math.min(entry.backoffMs * 2, this.settings.maxBackoffMs);
      entry.nextCheckAt = now + entry.backoffMs;
      return;
    }
    entry.nextCheckAt = now + this.settings.maxBackoffMs;
    // Still waiting, as already reported: nothing new.
    if (record.waitingForInput !== null) return;
    entry.confirming = true;
    const outputAt = record.snapshot.context.buffer.lastOutputAt;
    this.clock.setTimeout(() => {
      entry.confirming = false;
      if (this.entries.get(record) !== entry || !record.running || record.waitingForInput !== null) return;
      // Output read meanwhile: the next tick sees it and starts the quiet stretch over.
      if (record.snapshot.context.buffer.lastOutputAt !== outputAt) return;
      record.waitingForInput = { since: entry.quietSince, prompt: promptLine(record.snapshot.context.buffer) };
      record.log.debug({ prompt: record.waitingForInput.prompt }, 'process waits for input');
      record.notifyWatchChange();
      this.onWaiting(record);
    }, 0);
  }

  private clear(record: ProcessRecord): void {
    if (record.waitingForInput === null) return;
    record.waitingForInput = null;
    record.notifyWatchChange();
  }

  private schedule(): void {
    if (this.timer !== null || this.closed) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      try {
        this.tick();
      } catch (error) {
        this.log.error({ err: error }, 'input watch failed');
      }
      if (this.entries.size > 0) this.schedule();
    }, this.settings.tickMs);
  }

  close(): void {
    this.closed = true;
    this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.entries.clear();
  }
}
