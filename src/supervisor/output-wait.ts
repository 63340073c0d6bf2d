import type { Clock } from '../clock.js';
import type { HttpProbe } from './http-probe.js';
import { scanStep, yieldToEventLoop } from './output-scan.js';
import type { Pattern } from './pattern.js';
import type { ProcessRecord } from './process-record.js';

/** What a wait on a process waits for, besides its exit (which always ends a wait). */
export type WaitCondition =
  | { kind: 'exit' }
  /** Any byte past `cursor`. */
  | { kind: 'output'; cursor: number }
  /** `pattern` (RE2) matching the output from `cursor` on: the whole output (spill file), else the stream window. */
  | { kind: 'match'; cursor: number; pattern: Pattern }
  /** No output for `quietMs`. */
  | { kind: 'quiet'; quietMs: number }
  /** The process waits for input (see InputWatch). */
  | { kind: 'input' }
  /** The group listens on TCP `port`, or on any port when null (see PortWatch). */
  | { kind: 'port'; port: number | null }
  /** An HTTP GET of `path` on the group's listening `port` (loopback) answers a status in [statusMin, statusMax]. */
  | { kind: 'http'; port: number; path: string; statusMin: number; statusMax: number };

/** How a wait ended; `match` carries the matched text and its absolute offset, `http` the status. */
export type WaitResult =
  | { result: 'exited' | 'output' | 'quiet' | 'input' | 'port' | 'timeout' | 'aborted' }
  | { result: 'match'; match: { text: string; offset: number } }
  | { result: 'http'; httpStatus: number };

/** Pause between the end of one HTTP probe and the next of one wait (at most 4 probes a second). */
export const HTTP_PROBE_INTERVAL_MS = 250;
/** How long one HTTP probe may take. */
export const HTTP_PROBE_TIMEOUT_MS = 1000;

export interface WaitOptions {
  timeoutMs: number;
  clock: Clock;
  signal?: AbortSignal;
  /** Sends the probes of `http` waits. */
  httpProbe?: HttpProbe;
}

export { MAX_MATCH_TEXT_CHARS } from './output-scan.js';

/**
 * Waits until `condition` holds, the process exits (output drained), `timeoutMs` passes on
 * `clock`, or `signal` aborts, whichever is first. Output conditions are checked on each write
 * (a synchronous listener: no polling); quiet is checked by a timer re-armed on each write.
 * Leaves nothing behind whichever way it ends.
 */
export function waitForCondition(record: ProcessRecord, condition: WaitCondition, options: WaitOptions): Promise<WaitResult> {
  // The reference's wait: the record's own waiter (one timer, one listener; measured: thousands
  // of long polls are woken at once, so per-waiter work counts).
  if (condition.kind === 'exit') return record.waitForExit(options).then((outcome) => ({ result: outcome }));
  if (condition.kind === 'match') return waitForMatch(record, condition, options);
  const output = record.snapshot.context.buffer;
  const immediate = check(record, condition, options.clock);
  if (immediate) return Promise.resolve(immediate);
  if (!record.running) return Promise.resolve({ result: 'exited' });
  if (options.signal?.aborted) return Promise.resolve({ result: 'aborted' });
  return new Promise<WaitResult>((resolve) => {
    const cleanups: (() => void)[] = [];
    let done = false;
    const finish = (result: WaitResult): void => {
      if (done) return;
      done = true;
      for (const cleanup of cleanups) cleanup();
      resolve(result);
    };
    const onAbort = (): void => finish({ result: 'aborted' });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    cleanups.push(() => options.signal?.removeEventListener('abort', onAbort));
    const timer = options.clock.setTimeout(() => finish({ result: 'timeout' }), options.timeoutMs);
    cleanups.push(() => options.clock.clearTimeout(timer));
    // The exit is awaited through the record's own waiter set, so the waiter count stays right.
    const exitAbort = new AbortController();
    cleanups.push(() => exitAbort.abort());
    record
      .waitForExit({ timeoutMs: options.timeoutMs, clock: options.clock, signal: exitAbort.signal })
      .then((outcome) => {
        if (outcome === 'exited') finish(check(record, condition, options.clock) ?? { result: 'exited' });
      })
      .catch((error: unknown) => record.log.error({ err: error }, 'exit wait failed'));
    if (condition.kind === 'output') {
      cleanups.push(
        output.subscribe(() => {
          const result = check(record, condition, options.clock);
          if (result) finish(result);
        }),
      );
    }
    if (condition.kind === 'input' || condition.kind === 'port') {
      cleanups.push(
        record.onWatchChange(() => {
          const result = check(record, condition, options.clock);
          if (result) finish(result);
        }),
      );
    }
    if (condition.kind === 'http') {
      const probe = options.httpProbe;
      let probeTimer: unknown = null;
      const attempt = (): void => {
        probeTimer = null;
        if (done) return;
        const socket = record.listening.find((candidate) => candidate.port === condition.port);
        if (socket === undefined || probe === undefined) {
          probeTimer = options.clock.setTimeout(attempt, HTTP_PROBE_INTERVAL_MS);
          return;
        }
        // Loopback only: the address family the server bound decides which loopback.
        const host = socket.address.includes(':') && !socket.address.startsWith('::ffff:') ? '::1' : '127.0.0.1';
        probe({ host, port: condition.port, path: condition.path }, HTTP_PROBE_TIMEOUT_MS)
          .then((status) => {
            if (done) return;
            if (status !== null && status >= condition.statusMin && status <= condition.statusMax) finish({ result: 'http', httpStatus: status });
            else probeTimer = options.clock.setTimeout(attempt, HTTP_PROBE_INTERVAL_MS);
          })
          .catch((error: unknown) => record.log.error({ err: error }, 'http probe failed'));
      };
      attempt();
      cleanups.push(() => options.clock.clearTimeout(probeTimer));
    }
    if (condition.kind === 'quiet') {
      let quietTimer: unknown = null;
      const arm = (): void => {
        options.clock.clearTimeout(quietTimer);
        const due = Math.max(0, output.lastOutputAt + condition.quietMs - options.clock.now());
        quietTimer = options.clock.setTimeout(() => {
          const result = check(record, condition, options.clock);
          if (result) finish(result);
          else arm();
        }, due);
      };
      arm();
      cleanups.push(() => options.clock.clearTimeout(quietTimer));
    }
  });
}

/** The condition's result if it holds now, else null. */
function check(record: ProcessRecord, condition: WaitCondition, clock: Clock): WaitResult | null {
  const output = record.snapshot.context.buffer;
  switch (condition.kind) {
    case 'exit':
    case 'http':
      return null;
    case 'input':
      return record.waitingForInput !== null ? { result: 'input' } : null;
    case 'port': {
      const port = condition.port;
      return record.listening.some((socket) => port === null || socket.port === port) ? { result: 'port' } : null;
    }
    case 'output':
      return output.totalBytes > condition.cursor ? { result: 'output' } : null;
    case 'quiet':
      return clock.now() - output.lastOutputAt >= condition.quietMs ? { result: 'quiet' } : null;
    case 'match':
      return null;
  }
}

/**
 * A match wait: scans from the cursor over everything still readable (the spill file, then the
 * window), one chunk per event-loop turn so a long catch-up never blocks other requests, then
 * scans each new write where the last scan stopped (never the same bytes twice, except an
 * unfinished last line). Ends on the match, the exit (after a last scan), the timeout or abort.
 */
function waitForMatch(record: ProcessRecord, condition: Extract<WaitCondition, { kind: 'match' }>, options: { timeoutMs: number; clock: Clock; signal?: AbortSignal }): Promise<WaitResult> {
  const output = record.snapshot.context.buffer;
  if (options.signal?.aborted) return Promise.resolve({ result: 'aborted' });
  return new Promise<WaitResult>((resolve) => {
    const cleanups: (() => void)[] = [];
    let done = false;
    let position = condition.cursor;
    let scanning = false;
    let dirty = true;
    let exited = !record.running;
    const finish = (result: WaitResult): void => {
      if (done) return;
      done = true;
      for (const cleanup of cleanups) cleanup();
      resolve(result);
    };
    const scan = async (): Promise<void> => {
      if (scanning) return;
      scanning = true;
      try {
        while (!done && dirty) {
          dirty = false;
          for (;;) {
            const step = scanStep(output, condition.pattern, position);
            position = step.next;
            if (step.match) return finish({ result: 'match', match: { text: step.match.text, offset: step.match.offset } });
            if (step.caughtUp) break;
            await yieldToEventLoop();
            if (done) return;
          }
        }
        if (exited) finish({ result: 'exited' });
      } finally {
        scanning = false;
      }
    };
    const kick = (): void => {
      dirty = true;
      scan().catch((error: unknown) => {
        record.log.error({ err: error }, 'pattern scan failed');
        finish({ result: 'exited' });
      });
    };
    const onAbort = (): void => finish({ result: 'aborted' });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    cleanups.push(() => options.signal?.removeEventListener('abort', onAbort));
    const timer = options.clock.setTimeout(() => finish({ result: 'timeout' }), options.timeoutMs);
    cleanups.push(() => options.clock.clearTimeout(timer));
    if (!exited) {
      const exitAbort = new AbortController();
      cleanups.push(() => exitAbort.abort());
      record
        .waitForExit({ timeoutMs: options.timeoutMs, clock: options.clock, signal: exitAbort.signal })
        .then((outcome) => {
          if (outcome !== 'exited') return;
          exited = true;
          kick();
        })
        .catch((error: unknown) => record.log.error({ err: error }, 'exit wait failed'));
      cleanups.push(output.subscribe(kick));
    }
    kick();
  });
}
