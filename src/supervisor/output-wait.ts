import type { Clock } from '../clock.js';
import type { HttpProbe } from './http-probe.js';
import type { ProcessRecord } from './process-record.js';

/** What a wait on a process waits for, besides its exit (which always ends a wait). */
export type WaitCondition =
  | { kind: 'exit' }
  /** Any byte past `cursor`. */
  | { kind: 'output'; cursor: number }
  /** `pattern` matching the output from `cursor` on (searched in the stream window). */
  | { kind: 'match'; cursor: number; pattern: RegExp }
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

/** Bytes searched per match attempt at most: the newest output since the cursor, this much. */
export const MAX_MATCH_SCAN_BYTES = 262_144;
/** Longest text a match reports. */
export const MAX_MATCH_TEXT_CHARS = 1024;

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
    if (condition.kind === 'output' || condition.kind === 'match') {
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
    case 'match': {
      const window = output.window;
      const from = Math.max(condition.cursor, window.end - MAX_MATCH_SCAN_BYTES);
      const read = window.read(from, MAX_MATCH_SCAN_BYTES);
      if (read.data.length === 0) return null;
      const text = read.data.toString('utf8');
      condition.pattern.lastIndex = 0;
      const found = condition.pattern.exec(text);
      if (!found) return null;
      // The byte offset of the match: the bytes of the text before it. (A read that starts in the
      // middle of a UTF-8 character decodes that character as U+FFFD; the offset can then be off
      // by up to two bytes.)
      const offset = read.from + Buffer.byteLength(text.slice(0, found.index));
      const matched = found[0].slice(0, MAX_MATCH_TEXT_CHARS);
      return { result: 'match', match: { text: matched, offset } };
    }
  }
}
