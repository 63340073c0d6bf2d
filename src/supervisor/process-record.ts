import type { Actor, SnapshotFrom } from 'xstate';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { PtyOptions } from '../spawn/spawner.js';
import type { ProcessContext, ProcessMachine } from './process-machine.js';
import type { ListeningSocket } from './process-probe.js';
import { Listeners } from './listeners.js';

export type ProcessActor = Actor<ProcessMachine>;

/** A process blocked reading its stdin or terminal: quiet since `since` (epoch ms), showing `prompt`. */
export interface WaitingForInput {
  since: number;
  prompt: string;
}
export type ProcessSnapshot = SnapshotFrom<ProcessMachine>;

/**
 * What callers read of a process's state: the actor's live snapshot while it runs, a frozen
 * copy once it exited (see ProcessRecord).
 */
export interface ProcessState {
  readonly status: ProcessSnapshot['status'];
  readonly value: ProcessSnapshot['value'];
  readonly context: ProcessContext;
  matches(state: 'starting' | 'running' | 'exited'): boolean;
}

/** How a wait for exit ended. */
export type WaitOutcome = 'exited' | 'timeout' | 'aborted';

/** What the client asked for, kept as it was asked. */
export interface ProcessRequestInfo {
  id: string;
  command: string;
  /** The resolved working directory (what `list` reports). */
  workdir: string;
  background: boolean;
  chatId: string | null;
  /** The chat's ancestors when it was started (empty for a non-chat start). */
  ancestorChatIds: string[];
  /** Milliseconds since the epoch. */
  startedAt: number;
  /** Input can be sent (stdin kept open, or a terminal). */
  stdin: boolean;
  pty: PtyOptions | null;
  timeoutMs: number | null;
  idleTimeoutMs: number | null;
  clientToken: string | null;
  /** SHA-256 of what the start asked for (with a client token), to tell a retry from a reuse. */
  fingerprint: string | null;
}

/** One entry of a process's event history: an event the actor received, and the state after it. */
export interface HistoryEntry {
  /** Milliseconds since the epoch. */
  at: number;
  type: string;
  /** The state value after the event, as dotted leaf paths (`running.lifecycle.draining, running.watchdog.unwatched`). */
  state: string;
}

/** Events kept per process for inspection; older ones are dropped. */
export const MAX_HISTORY_ENTRIES = 64;

/**
 * A state value as dotted leaf paths: `{running: {lifecycle: 'alive', watchdog: 'unwatched'}}`
 * → `running.lifecycle.alive, running.watchdog.unwatched`.
 */
export function stateName(value: unknown): string {
  return leafPaths(value).join(', ');
}

function leafPaths(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) => leafPaths(inner).map((leaf) => `${key}.${leaf}`));
  }
  return [String(value)];
}

/**
 * One supervised process: the request it came from, its actor, and the waiters blocked on its
 * exit. Waiters cost one closure each and are woken together by a single actor subscription, so
 * thousands of long polls on one process stay cheap; every waiter is removed when it resolves.
 * When the actor reaches `exited` (a final state: it takes no more events) the record keeps a
 * frozen copy of its last snapshot and lets the actor go, with its child logic and the
 * ChildProcess it held: measured, the heap per exited record and so the fork cost of every later
 * spawn drop with it.
 */
export class ProcessRecord {
  readonly info: ProcessRequestInfo;
  readonly log: Logger;
  private liveActor: ProcessActor | null;
  private frozen: ProcessState | null = null;
  /** Wall time from asking the spawner to the child running (or failing), ms; null while starting. */
  spawnDurationMs: number | null = null;
  /** Open output streams (SSE readers) of this process. */
  streamReaders = 0;
  /** Set by the input watch while the process waits for input; null otherwise. */
  waitingForInput: WaitingForInput | null = null;
  /** The TCP sockets its process group listens on (kept by the port watch), by port. */
  listening: readonly ListeningSocket[] = [];
  private readonly watchListeners = new Listeners<void>();
  private readonly exitListeners = new Set<() => void>();
  private readonly historyEntries: HistoryEntry[] = [];
  private readonly exitedPromise: Promise<void>;

  /**
   * `beforeRelease` runs once, synchronously, when the actor reaches `exited` and before any
   * waiter or reader can see it: the supervisor commits the exit to durable state there, so an
   * exit a client was answered is never lost in a crash. A throw is logged, not propagated.
   */
  constructor(info: ProcessRequestInfo, actor: ProcessActor, log: Logger, beforeRelease?: (record: ProcessRecord) => void) {
    this.info = info;
    this.liveActor = actor;
    this.log = log;
    let resolveExited!: () => void;
    this.exitedPromise = new Promise((resolve) => (resolveExited = resolve));
    const onDone = (snapshot: ProcessSnapshot): void => {
      this.frozen = freeze(snapshot);
      this.liveActor = null;
      try {
        beforeRelease?.(this);
      } catch (error) {
        log.error({ err: error }, 'recording the exit failed');
      }
      resolveExited();
      for (const listener of this.exitListeners) listener();
      this.exitListeners.clear();
    };
    // A record restored from durable state starts out exited.
    const initial = actor.getSnapshot();
    if (initial.status === 'done') {
      onDone(initial);
      return;
    }
    const subscription = actor.subscribe({
      next: (snapshot) => {
        if (snapshot.status !== 'done') return;
        subscription.unsubscribe();
        onDone(snapshot);
      },
      // The machine itself threw (a bug in an action): it takes no more events, so it is
      // frozen as exited (internal_error) here, or every waiter and shutdown would wait forever.
      error: (error) => {
        log.error({ err: error }, 'process actor failed');
        subscription.unsubscribe();
        onDone(failedSnapshot(actor.getSnapshot(), error));
      },
    });
  }

  /** The process actor; only while it runs (commands to an exited process are refused before this). */
  get actor(): ProcessActor {
    if (this.liveActor === null) throw new Error(`the actor of exited process ${this.info.id} was released`);
    return this.liveActor;
  }

  /** The state now: live while running, frozen once exited. Read it once per answer. */
  get snapshot(): ProcessState {
    return this.frozen ?? this.actor.getSnapshot();
  }

  /** True until the actor reached `exited` (a starting process counts as running). */
  get running(): boolean {
    return this.frozen === null;
  }

  /** Resolves once the actor reached `exited`. Never rejects. */
  get exited(): Promise<void> {
    return this.exitedPromise;
  }

  /** The last MAX_HISTORY_ENTRIES events the actor received, oldest first. */
  get history(): readonly HistoryEntry[] {
    return this.historyEntries;
  }

  /** Appends to the bounded history (called from the actor's inspection hook). */
  recordEvent(entry: HistoryEntry): void {
    this.historyEntries.push(entry);
    if (this.historyEntries.length > MAX_HISTORY_ENTRIES) this.historyEntries.shift();
  }

  /** Resolves when the actor left `starting` (spawned, or failed to). Never rejects. */
  untilStarted(): Promise<void> {
    if (!this.snapshot.matches('starting')) return Promise.resolve();
    return new Promise((resolve) => {
      const subscription = this.actor.subscribe({
        next: (snapshot) => {
          if (snapshot.matches('starting')) return;
          subscription.unsubscribe();
          resolve();
        },
        error: () => {
          subscription.unsubscribe();
          resolve();
        },
      });
    });
  }

  /** Calls `listener` after every change of `waitingForInput` or `listening`; returns the unsubscribe. */
  onWatchChange(listener: () => void): () => void {
    return this.watchListeners.add(listener);
  }

  /** Tells the watch listeners (the watches call it after changing the fields). */
  notifyWatchChange(): void {
    this.watchListeners.notify(undefined, (error) => this.log.error({ err: error }, 'a watch listener failed'));
  }

  /** Blocked waiters right now. */
  get waiterCount(): number {
    return this.exitListeners.size;
  }

  /**
   * Calls `listener` once, synchronously, when the process has exited (output drained, the exit
   * committed), in the same pass that wakes every `waitForExit`; it counts as a blocked waiter
   * until then.
   * Returns its removal. Never called for a record that has already exited (check `running`).
   * `listener` must not throw (the other waiters would not be told).
   */
  onExit(listener: () => void): () => void {
    this.exitListeners.add(listener);
    return () => {
      this.exitListeners.delete(listener);
    };
  }

  /**
   * Waits until the process exited (output drained), `timeoutMs` passed on `clock`, or `signal`
   * aborted, whichever is first. Leaves nothing behind: the timer and the abort listener are
   * removed whichever way it ends.
   */
  waitForExit(options: { timeoutMs: number; clock: Clock; signal?: AbortSignal }): Promise<WaitOutcome> {
    if (!this.running) return Promise.resolve('exited');
    if (options.signal?.aborted) return Promise.resolve('aborted');
    return new Promise<WaitOutcome>((resolve) => {
      const finish = (outcome: WaitOutcome): void => {
        this.exitListeners.delete(onExit);
        options.clock.clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const onExit = (): void => finish('exited');
      const onAbort = (): void => finish('aborted');
      const timer = options.clock.setTimeout(() => finish('timeout'), options.timeoutMs);
      this.exitListeners.add(onExit);
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** The last snapshot of an actor that errored, as an `exited` one with the reason `internal_error`. */
function failedSnapshot(snapshot: ProcessSnapshot, error: unknown): ProcessSnapshot {
  const { context } = snapshot;
  const internalError = error instanceof Error ? error.message : String(error);
  const ended: ProcessContext = {
    ...context,
    internalError,
    exitCode: -1,
    exitReason: 'internal_error',
    exitedAt: context.exitedAt ?? context.now(),
    stdinOpen: false,
    output: context.output ?? context.buffer.freeze(),
  };
  return { ...snapshot, value: 'exited', context: ended };
}

/**
 * A plain copy of the final snapshot, holding nothing of the actor: the context without the
 * spawn request's environment (it may be a copy of the service's, and is never read again).
 */
function freeze(snapshot: ProcessSnapshot): ProcessState {
  const { context } = snapshot;
  const frozenContext: ProcessContext = { ...context, request: { ...context.request, env: {} } };
  const value = snapshot.value;
  return { status: 'done', value, context: frozenContext, matches: (state) => state === value };
}
