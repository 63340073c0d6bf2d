import { randomUUID } from 'node:crypto';
import { createActor, type InspectionEvent } from 'xstate';
import { realClock, type Clock } from '../clock.js';
import { SupervisorError, quote } from '../errors.js';
import { truncate, type Logger } from '../logger.js';
import type { Spawner } from '../spawn/spawner.js';
import { createChildLogic } from './child-logic.js';
import { buildEnvironment, type EnvHook } from './environment.js';
import { DEFAULT_HEAD_TAIL_SIZES, HeadTailBuffer, type HeadTailSizes } from './head-tail-buffer.js';
import { processMachine, type SignalOrigin } from './process-machine.js';
import { ProcessRecord, stateName, type WaitOutcome } from './process-record.js';
import { resolveWorkdir } from './workdir.js';

/** Settings of a supervisor; every bound has a default equal to the reference's. */
export interface SupervisorOptions {
  spawner: Spawner;
  log: Logger;
  clock?: Clock;
  buffer?: Partial<HeadTailSizes>;
  /** Configured working directory, used when a request names none and it exists. */
  workdir?: string | null;
  /** Home directory lookup (the last fallback of the working directory). */
  home?: () => string;
  /** The service environment each process starts from; read at each start. */
  serviceEnv?: () => NodeJS.ProcessEnv;
  envHook?: EnvHook;
  drainTimeoutMs?: number;
  reapAfterMs?: number;
  reapIntervalMs?: number;
  maxExitedRecords?: number;
  listLimit?: number;
  shutdownGraceMs?: number;
  /**
   * Receives every xstate inspection event of every process actor (the Stately inspector
   * protocol). Off by default; when off, only the bounded per-process history is recorded.
   */
  inspect?: (event: InspectionEvent) => void;
}

/** Who started a process: a chat (and its ancestors, for git watch and logs), or nobody. */
export interface ChatIdentity {
  chatId: string | null;
  ancestorChatIds: string[];
}

export interface StartRequest {
  command: string;
  workdir?: string;
  env?: Record<string, string>;
  background?: boolean;
}

/** Counts for health checks, benchmarks and leak tests. */
export interface SupervisorStats {
  running: number;
  exited: number;
  waiters: number;
  trackedGroups: number;
}

const DEFAULTS = {
  drainTimeoutMs: 5000,
  reapAfterMs: 5 * 60_000,
  reapIntervalMs: 30_000,
  maxExitedRecords: 10_000,
  listLimit: 10,
  shutdownGraceMs: 3000,
};

/**
 * The registry of process actors: start, get, list, signal, wait, reap, close. Knows nothing of
 * HTTP; chat isolation is expressed as an optional chat id on each call. Errors are
 * SupervisorErrors with codes PROCESS_NOT_FOUND, PROCESS_NOT_RUNNING, SPAWN_FAILED,
 * SIGNAL_FAILED, SUPERVISOR_CLOSED.
 */
export class Supervisor {
  private readonly records = new Map<string, ProcessRecord>();
  /** Process groups started and not yet seen gone: killed at close even after their record was reaped. */
  private readonly groups = new Set<number>();
  private readonly machine;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly spawner: Spawner;
  private readonly options: Required<Omit<SupervisorOptions, 'envHook' | 'spawner' | 'log' | 'clock' | 'inspect'>> & { envHook?: EnvHook };
  private readonly inspect: ((event: InspectionEvent) => void) | undefined;
  private readonly startListeners = new Set<(record: ProcessRecord) => void>();
  private readonly exitListeners = new Set<(record: ProcessRecord) => void>();
  private closed = false;
  private closing: Promise<void> | null = null;
  private reapTimer: unknown = null;

  constructor(options: SupervisorOptions) {
    this.clock = options.clock ?? realClock;
    this.log = options.log;
    this.spawner = options.spawner;
    this.inspect = options.inspect;
    this.options = {
      buffer: { ...DEFAULT_HEAD_TAIL_SIZES, ...options.buffer },
      workdir: options.workdir ?? null,
      home: options.home ?? (() => process.env.HOME ?? ''),
      serviceEnv: options.serviceEnv ?? (() => process.env),
      envHook: options.envHook,
      drainTimeoutMs: options.drainTimeoutMs ?? DEFAULTS.drainTimeoutMs,
      reapAfterMs: options.reapAfterMs ?? DEFAULTS.reapAfterMs,
      reapIntervalMs: options.reapIntervalMs ?? DEFAULTS.reapIntervalMs,
      maxExitedRecords: options.maxExitedRecords ?? DEFAULTS.maxExitedRecords,
      listLimit: options.listLimit ?? DEFAULTS.listLimit,
      shutdownGraceMs: options.shutdownGraceMs ?? DEFAULTS.shutdownGraceMs,
    };
    this.machine = processMachine.provide({ actors: { child: createChildLogic(options.spawner, this.log) } });
    this.scheduleReap();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Starts `sh -c <command>` and resolves once it runs. Rejects with SPAWN_FAILED (the record is
   * dropped, as in the reference) or SUPERVISOR_CLOSED.
   */
  async start(request: StartRequest, chat: ChatIdentity | null = null): Promise<ProcessRecord> {
    if (this.closed) throw closedError();
    const chatId = chat?.chatId ?? null;
    const id = randomUUID();
    const ancestorChatIds = chatId === null ? [] : (chat?.ancestorChatIds ?? []);
    const log = this.log.child({
      process_id: id,
      ...(chatId === null ? {} : { chat_id: chatId }),
      ...(ancestorChatIds.length > 0 ? { ancestor_chat_ids: ancestorChatIds } : {}),
    });
    const workdir = resolveWorkdir(request.workdir, this.options.workdir, this.options.home);
    const env = await buildEnvironment({
      serviceEnv: this.options.serviceEnv(),
      hook: this.options.envHook,
      requestEnv: request.env,
      chatId,
      log,
    });
    if (this.closed) throw closedError();
    const created: { record?: ProcessRecord } = {};
    const actor = createActor(this.machine, {
      id,
      clock: this.clock,
      inspect: (event) => {
        // Events arrive during createActor() too, before the record exists; those are the
        // actor's own creation, which the history does not need.
        if (event.type === '@xstate.snapshot' && created.record && event.actorRef === created.record.actor) {
          created.record.recordEvent({ at: this.clock.now(), type: event.event.type, state: stateName((event.snapshot as { value?: unknown }).value) });
        }
        this.inspect?.(event);
      },
      input: {
        request: { command: request.command, cwd: workdir, env },
        buffer: new HeadTailBuffer(this.options.buffer),
        drainTimeoutMs: this.options.drainTimeoutMs,
        now: () => this.clock.now(),
      },
    });
    const info = {
      id,
      command: request.command,
      workdir,
      background: request.background ?? false,
      chatId,
      ancestorChatIds,
      startedAt: this.clock.now(),
    };
    const record = new ProcessRecord(info, actor, log);
    created.record = record;
    // Registered before it runs, so a concurrent close() terminates it too.
    this.records.set(id, record);
    const spawnStartedAt = performance.now();
    actor.start();
    await leftStarting(record);
    record.spawnDurationMs = performance.now() - spawnStartedAt;
    const context = record.snapshot.context;
    if (context.spawnError !== null) {
      this.records.delete(id);
      log.warn({ command: truncate(request.command), workdir, error: context.spawnError }, 'process failed to start');
      throw new SupervisorError('SPAWN_FAILED', 'Failed to start process.', { detail: `start process: ${context.spawnError}` });
    }
    if (context.pid !== null && context.pid > 0) this.groups.add(context.pid);
    log.info({ command: truncate(request.command), workdir, pid: context.pid, background: info.background }, 'process started');
    this.notify(this.startListeners, record);
    record.exited.then(() => this.onExited(record), (error: unknown) => log.error({ err: error }, 'exit watcher failed'));
    if (this.closed) throw closedError();
    return record;
  }

  /**
   * Calls `listener` with every process that reaches `exited` from now on (after its output
   * drained). Returns the unsubscribe function. A throwing listener is logged, never propagated.
   */
  onProcessExit(listener: (record: ProcessRecord) => void): () => void {
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  /** Calls `listener` with every process that starts running from now on. Returns the unsubscribe. */
  onProcessStart(listener: (record: ProcessRecord) => void): () => void {
    this.startListeners.add(listener);
    return () => this.startListeners.delete(listener);
  }

  /** Every record held now (running and exited), in start order. */
  all(): ProcessRecord[] {
    return [...this.records.values()];
  }

  private notify(listeners: Set<(record: ProcessRecord) => void>, record: ProcessRecord): void {
    for (const listener of listeners) {
      try {
        listener(record);
      } catch (error) {
        record.log.error({ err: error }, 'a process listener failed');
      }
    }
  }

  private onExited(record: ProcessRecord): void {
    this.notify(this.exitListeners, record);
    const context = record.snapshot.context;
    record.log.info(
      {
        exit_code: context.exitCode,
        exit_signal: context.exitSignal,
        exit_reason: context.exitReason,
        duration_ms: (context.exitedAt ?? record.info.startedAt) - record.info.startedAt,
        output_bytes: context.buffer.totalBytes,
      },
      'process exited',
    );
  }

  /** The record of `id`; PROCESS_NOT_FOUND if unknown or, for a chat caller, another chat's. */
  get(id: string, chatId: string | null = null): ProcessRecord {
    const record = this.records.get(id);
    if (!record || !visibleTo(record, chatId)) throw notFound(id);
    return record;
  }

  /** Throws PROCESS_NOT_FOUND if `id` exists and belongs to another chat; a missing id passes. */
  assertNotForeign(id: string, chatId: string | null): void {
    const record = this.records.get(id);
    if (record && !visibleTo(record, chatId)) throw notFound(id);
  }

  /**
   * Reaps, then lists: a chat caller sees only its own chat's processes; running first, then
   * newest first; at most `listLimit` entries.
   */
  list(chatId: string | null = null): ProcessRecord[] {
    this.reap();
    const matching = [...this.records.values()].filter((record) => chatId === null || record.info.chatId === chatId);
    matching.sort((a, b) => Number(b.running) - Number(a.running) || b.info.startedAt - a.info.startedAt);
    return matching.slice(0, this.options.listLimit);
  }

  /**
   * Sends `signal` to the process group of `id`. PROCESS_NOT_FOUND, PROCESS_NOT_RUNNING (also
   * between exit and reaping), or SIGNAL_FAILED with the OS error.
   */
  signal(id: string, signal: NodeJS.Signals, chatId: string | null = null, origin: SignalOrigin = 'request'): void {
    const record = this.get(id, chatId);
    if (!record.running) throw new SupervisorError('PROCESS_NOT_RUNNING', `Process ${quote(id)} is not running.`);
    const before = record.snapshot.context.signalError;
    record.actor.send({ type: 'signal', signal, origin });
    // The actor handles the event synchronously, so a delivery failure is already recorded.
    const after = record.snapshot.context.signalError;
    if (after !== null && after !== before) {
      throw new SupervisorError('SIGNAL_FAILED', 'Failed to signal process.', { detail: after });
    }
    record.log.info({ signal, origin }, 'process signalled');
  }

  /** Waits for `id` to exit, at most `timeoutMs`; see ProcessRecord.waitForExit. */
  waitForExit(record: ProcessRecord, timeoutMs: number, signal?: AbortSignal): Promise<WaitOutcome> {
    return record.waitForExit({ timeoutMs, clock: this.clock, signal });
  }

  stats(): SupervisorStats {
    let running = 0;
    let waiters = 0;
    for (const record of this.records.values()) {
      if (record.running) running += 1;
      waiters += record.waiterCount;
    }
    return { running, exited: this.records.size - running, waiters, trackedGroups: this.groups.size };
  }

  /**
   * Drops exited records older than `reapAfterMs` (strictly), then the oldest exited records
   * beyond `maxExitedRecords`; forgets process groups that are gone. Returns how many it dropped.
   */
  reap(): number {
    const now = this.clock.now();
    const exited: ProcessRecord[] = [];
    let dropped = 0;
    for (const record of this.records.values()) {
      const exitedAt = record.snapshot.context.exitedAt;
      if (exitedAt === null) continue;
      if (now - exitedAt > this.options.reapAfterMs) {
        this.records.delete(record.info.id);
        dropped += 1;
      } else {
        exited.push(record);
      }
    }
    const excess = exited.length - this.options.maxExitedRecords;
    if (excess > 0) {
      exited.sort((a, b) => (a.snapshot.context.exitedAt ?? 0) - (b.snapshot.context.exitedAt ?? 0));
      for (const record of exited.slice(0, excess)) this.records.delete(record.info.id);
      dropped += excess;
    }
    return dropped;
  }

  private pruneGroups(): void {
    const live = new Set<number>();
    for (const record of this.records.values()) if (record.running && record.snapshot.context.pid) live.add(record.snapshot.context.pid);
    for (const pgid of this.groups) if (!live.has(pgid) && !this.spawner.isGroupAlive(pgid)) this.groups.delete(pgid);
  }

  private scheduleReap(): void {
    this.reapTimer = this.clock.setTimeout(() => {
      if (this.closed) return;
      const dropped = this.reap();
      this.pruneGroups();
      if (dropped > 0) this.log.debug({ dropped }, 'reaped exited processes');
      this.scheduleReap();
    }, this.options.reapIntervalMs);
  }

  /**
   * Shuts down: refuses new starts, sends SIGTERM to every process group it started (running or
   * not: a background grandchild of an exited shell is still ours), SIGKILL after
   * `shutdownGraceMs`, and resolves when every actor reached `exited`. Records stay readable.
   * Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    this.clock.clearTimeout(this.reapTimer);
    const running = [...this.records.values()].filter((record) => record.running);
    this.log.info({ running: running.length, groups: this.groups.size }, 'supervisor closing');
    this.signalAll('SIGTERM', running);
    const grace = this.clock.setTimeout(() => this.signalAll('SIGKILL', running), this.options.shutdownGraceMs);
    await Promise.all(running.map((record) => record.exited));
    this.clock.clearTimeout(grace);
    // Whatever is left in our groups (a grandchild that let go of the pipes) dies now.
    this.killAllGroups();
    this.log.info('supervisor closed');
  }

  /** Signals the running processes through their actors, and every other group we started directly. */
  private signalAll(signal: NodeJS.Signals, running: ProcessRecord[]): void {
    const viaActor = new Set<number>();
    for (const record of running) {
      if (!record.running) continue;
      const pid = record.snapshot.context.pid;
      if (pid !== null) viaActor.add(pid);
      try {
        this.signal(record.info.id, signal, null, 'shutdown');
      } catch (error) {
        record.log.error({ err: error, signal }, 'failed to signal a process during shutdown');
      }
    }
    for (const pgid of this.groups) if (!viaActor.has(pgid)) this.signalGroupLogged(pgid, signal);
  }

  /**
   * SIGKILLs every process group this supervisor started, synchronously. For a process 'exit'
   * handler: nothing the service started outlives it, even when it dies on an uncaught error.
   */
  killAllGroups(): void {
    for (const pgid of this.groups) this.signalGroupLogged(pgid, 'SIGKILL');
    this.groups.clear();
  }

  private signalGroupLogged(pgid: number, signal: NodeJS.Signals): void {
    try {
      this.spawner.signalGroup(pgid, signal);
    } catch (error) {
      this.log.warn({ err: error, pgid, signal }, 'failed to signal a process group');
    }
  }
}

function visibleTo(record: ProcessRecord, chatId: string | null): boolean {
  return chatId === null || record.info.chatId === null || record.info.chatId === chatId;
}

function notFound(id: string): SupervisorError {
  return new SupervisorError('PROCESS_NOT_FOUND', `Process ${quote(id)} not found.`);
}

function closedError(): SupervisorError {
  return new SupervisorError('SUPERVISOR_CLOSED', 'Failed to start process.', { detail: 'manager is closed' });
}

/** Resolves when the actor left `starting` (spawned or failed). */
function leftStarting(record: ProcessRecord): Promise<void> {
  if (!record.snapshot.matches('starting')) return Promise.resolve();
  return new Promise((resolve) => {
    const subscription = record.actor.subscribe({
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
