import { createHash, randomUUID } from 'node:crypto';
import { createActor, type InspectionEvent } from 'xstate';
import { realClock, type Clock } from '../clock.js';
import { SupervisorError, quote } from '../errors.js';
import { truncate, type Logger } from '../logger.js';
import type { PtyOptions, Spawner } from '../spawn/spawner.js';
import { createChildLogic } from './child-logic.js';
import { buildEnvironment, type EnvHook } from './environment.js';
import { ClientTokens } from './client-tokens.js';
import type { EndCause } from './exit-reason.js';
import { waitForCondition, type WaitCondition, type WaitResult } from './output-wait.js';
import { DEFAULT_OUTPUT_SIZES, ProcessOutput, type ProcessOutputSizes } from './process-output.js';
import { processMachine, type ProcessContext } from './process-machine.js';
import type { ProcessStore, SavedProcess } from './process-store.js';
import { ProcessRecord, stateName, type WaitOutcome } from './process-record.js';
import { resolveWorkdir } from './workdir.js';

/** Settings of a supervisor; every bound has a default equal to the reference's. */
export interface SupervisorOptions {
  spawner: Spawner;
  log: Logger;
  clock?: Clock;
  /** Output memory per process: head/tail sizes, line cut, stream window. */
  buffer?: Partial<ProcessOutputSizes>;
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
  /** SIGTERM → SIGKILL grace when a lifetime or idle timeout ends a process. */
  killGraceMs?: number;
  /**
   * Receives every xstate inspection event of every process actor (the Stately inspector
   * protocol). Off by default; when off, only the bounded per-process history is recorded.
   */
  inspect?: (event: InspectionEvent) => void;
  /** Durable state: told of every start, exit and reaping. Absent: in memory only. */
  store?: ProcessStore;
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
  /** Keep stdin open for `input()`. */
  stdin?: boolean;
  /** Run on a pseudo-terminal of this size. */
  pty?: PtyOptions;
  /** Hard lifetime, ms: terminated (then killed after `killGraceMs`) when it runs out. */
  timeoutMs?: number;
  /** Terminated (then killed) after this long without output, ms. */
  idleTimeoutMs?: number;
  /** Idempotency token: a retried start with the same token attaches to the first one's process. */
  clientToken?: string;
}

/** Counts for health checks, benchmarks and leak tests. */
export interface SupervisorStats {
  running: number;
  exited: number;
  waiters: number;
  streamReaders: number;
  trackedGroups: number;
  clientTokens: number;
}

const ENDING_SIGNALS: ReadonlySet<NodeJS.Signals> = new Set(['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT']);

const DEFAULTS = {
  drainTimeoutMs: 5000,
  reapAfterMs: 5 * 60_000,
  reapIntervalMs: 30_000,
  maxExitedRecords: 10_000,
  listLimit: 10,
  shutdownGraceMs: 3000,
  killGraceMs: 5000,
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
  private readonly options: Required<Omit<SupervisorOptions, 'envHook' | 'spawner' | 'log' | 'clock' | 'inspect' | 'store'>> & { envHook?: EnvHook };
  private readonly store: ProcessStore | null;
  private readonly inspect: ((event: InspectionEvent) => void) | undefined;
  private readonly startListeners = new Set<(record: ProcessRecord) => void>();
  private readonly spawnFailureListeners = new Set<(record: ProcessRecord) => void>();
  private readonly clientTokens = new ClientTokens();
  private readonly exitListeners = new Set<(record: ProcessRecord) => void>();
  private closed = false;
  private closing: Promise<void> | null = null;
  private reapTimer: unknown = null;

  constructor(options: SupervisorOptions) {
    this.clock = options.clock ?? realClock;
    this.log = options.log;
    this.spawner = options.spawner;
    this.inspect = options.inspect;
    this.store = options.store ?? null;
    this.options = {
      buffer: { ...DEFAULT_OUTPUT_SIZES, ...options.buffer },
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
      killGraceMs: options.killGraceMs ?? DEFAULTS.killGraceMs,
    };
    this.machine = processMachine.provide({ actors: { child: createChildLogic(options.spawner, this.log) } });
    this.scheduleReap();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Starts `sh -c <command>` and resolves once it runs. Rejects with SPAWN_FAILED (the record is
   * dropped, as in the reference), SUPERVISOR_CLOSED or CLIENT_TOKEN_CONFLICT.
   */
  async start(request: StartRequest, chat: ChatIdentity | null = null): Promise<ProcessRecord> {
    return (await this.startOrAttach(request, chat)).record;
  }

  /**
   * Like `start`, but with a `clientToken` a repeated start attaches to the process the first
   * one started (`attached: true`) instead of running the command again.
   */
  startOrAttach(request: StartRequest, chat: ChatIdentity | null = null): Promise<{ record: ProcessRecord; attached: boolean }> {
    if (this.closed) return Promise.reject(closedError());
    if (request.clientToken === undefined) return this.spawnRecord(request, chat).then((record) => ({ record, attached: false }));
    return this.clientTokens.startOnce(chat?.chatId ?? null, request.clientToken, fingerprint(request), () => this.spawnRecord(request, chat));
  }

  private async spawnRecord(request: StartRequest, chat: ChatIdentity | null): Promise<ProcessRecord> {
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
        request: {
          command: request.command,
          cwd: workdir,
          env,
          ...(request.stdin ? { stdin: true } : {}),
          ...(request.pty ? { pty: request.pty } : {}),
        },
        buffer: new ProcessOutput(this.options.buffer, () => this.clock.now(), (error) => log.error({ err: error }, 'an output listener failed')),
        drainTimeoutMs: this.options.drainTimeoutMs,
        timeoutMs: request.timeoutMs ?? null,
        idleTimeoutMs: request.idleTimeoutMs ?? null,
        killGraceMs: this.options.killGraceMs,
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
      stdin: request.stdin === true || request.pty !== undefined,
      pty: request.pty ?? null,
      timeoutMs: request.timeoutMs ?? null,
      idleTimeoutMs: request.idleTimeoutMs ?? null,
      clientToken: request.clientToken ?? null,
      fingerprint: request.clientToken === undefined ? null : fingerprint(request),
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
      this.notify(this.spawnFailureListeners, record);
      throw new SupervisorError('SPAWN_FAILED', 'Failed to start process.', { detail: `start process: ${context.spawnError}` });
    }
    // Only real group leaders: a pid ≤ 1 would make the group kill at close a kill(-1).
    if (context.pid !== null && context.pid > 1) this.groups.add(context.pid);
    log.info({ command: truncate(request.command), workdir, pid: context.pid, background: info.background }, 'process started');
    this.store?.started(record);
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

  /**
   * Calls `listener` with every start that failed (its record is dropped right after, as in the
   * reference; it never reaches the exit listeners). Returns the unsubscribe.
   */
  onSpawnFailure(listener: (record: ProcessRecord) => void): () => void {
    this.spawnFailureListeners.add(listener);
    return () => this.spawnFailureListeners.delete(listener);
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
    this.store?.exited(record);
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
  signal(id: string, signal: NodeJS.Signals, chatId: string | null = null, cause?: EndCause): void {
    const record = this.runningRecord(id, chatId);
    const before = record.snapshot.context.signalError;
    // Signals meant to end a process make its end "requested"; others (SIGUSR1...) do not.
    const endCause = cause ?? (ENDING_SIGNALS.has(signal) ? 'requested' : undefined);
    record.actor.send({ type: 'signal', signal, ...(endCause ? { cause: endCause } : {}) });
    // The actor handles the event synchronously, so a delivery failure is already recorded.
    const after = record.snapshot.context.signalError;
    if (after !== null && after !== before) {
      throw new SupervisorError('SIGNAL_FAILED', 'Failed to signal process.', { detail: after });
    }
    record.log.info({ signal, cause }, 'process signalled');
  }

  /**
   * SIGTERM to the group of `id`, then SIGKILL if it still runs after `graceMs`. Errors as
   * for `signal`.
   */
  terminate(id: string, graceMs: number, chatId: string | null = null, cause: EndCause = 'requested'): void {
    const record = this.runningRecord(id, chatId);
    const before = record.snapshot.context.signalError;
    record.actor.send({ type: 'terminate', graceMs, cause });
    const after = record.snapshot.context.signalError;
    if (after !== null && after !== before) {
      throw new SupervisorError('SIGNAL_FAILED', 'Failed to signal process.', { detail: after });
    }
    record.log.info({ signal: 'SIGTERM', grace_ms: graceMs, cause }, 'process terminating');
  }

  /**
   * Writes `data` to the stdin (or terminal) of `id`; `eof` closes it afterwards. Rejects with
   * PROCESS_NOT_FOUND, PROCESS_NOT_RUNNING, STDIN_NOT_OPEN (started without stdin) or
   * STDIN_CLOSED (EOF already sent, or the process closed its end).
   */
  input(id: string, data: Buffer, eof: boolean, chatId: string | null = null): Promise<void> {
    const record = this.runningRecord(id, chatId);
    if (!record.info.stdin) {
      throw new SupervisorError('STDIN_NOT_OPEN', `Process ${quote(id)} was not started with stdin open.`, {
        detail: 'Start it with "stdin": true (or "pty": {...}) to send input.',
      });
    }
    if (!record.snapshot.context.stdinOpen) throw new SupervisorError('STDIN_CLOSED', `Stdin of process ${quote(id)} is closed.`);
    return new Promise((resolve, reject) => {
      record.actor.send({
        type: 'input',
        data,
        eof,
        reply: (error) => {
          if (error === null) resolve();
          else reject(new SupervisorError('STDIN_CLOSED', `Stdin of process ${quote(id)} is closed.`, { cause: error, detail: error.message }));
        },
      });
    });
  }

  /** Resizes the terminal of `id`. NOT_A_TERMINAL for a process started without `pty`. */
  resize(id: string, cols: number, rows: number, chatId: string | null = null): void {
    const record = this.runningRecord(id, chatId);
    if (!record.info.pty) throw new SupervisorError('NOT_A_TERMINAL', `Process ${quote(id)} has no terminal.`, { detail: 'Only processes started with "pty" can be resized.' });
    record.actor.send({ type: 'resize', cols, rows });
  }

  /**
   * Waits for `condition` (or the exit), at most `timeoutMs`; see waitForCondition. Never rejects.
   */
  waitFor(record: ProcessRecord, condition: WaitCondition, timeoutMs: number, signal?: AbortSignal): Promise<WaitResult> {
    return waitForCondition(record, condition, { timeoutMs, clock: this.clock, ...(signal ? { signal } : {}) });
  }

  /** The time source of this supervisor (for callers that time things alongside it). */
  get clockSource(): Clock {
    return this.clock;
  }

  private runningRecord(id: string, chatId: string | null): ProcessRecord {
    const record = this.get(id, chatId);
    if (!record.running) throw new SupervisorError('PROCESS_NOT_RUNNING', `Process ${quote(id)} is not running.`);
    return record;
  }

  /** Waits for `id` to exit, at most `timeoutMs`; see ProcessRecord.waitForExit. */
  waitForExit(record: ProcessRecord, timeoutMs: number, signal?: AbortSignal): Promise<WaitOutcome> {
    return record.waitForExit({ timeoutMs, clock: this.clock, signal });
  }

  stats(): SupervisorStats {
    let running = 0;
    let waiters = 0;
    let streamReaders = 0;
    for (const record of this.records.values()) {
      if (record.running) running += 1;
      waiters += record.waiterCount;
      streamReaders += record.streamReaders;
    }
    return { running, exited: this.records.size - running, waiters, streamReaders, trackedGroups: this.groups.size, clientTokens: this.clientTokens.size };
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
        this.drop(record);
        dropped += 1;
      } else {
        exited.push(record);
      }
    }
    const excess = exited.length - this.options.maxExitedRecords;
    if (excess > 0) {
      exited.sort((a, b) => (a.snapshot.context.exitedAt ?? 0) - (b.snapshot.context.exitedAt ?? 0));
      for (const record of exited.slice(0, excess)) this.drop(record);
      dropped += excess;
    }
    return dropped;
  }

  private drop(record: ProcessRecord): void {
    this.records.delete(record.info.id);
    this.clientTokens.forget(record.info.id);
    this.store?.dropped(record.info.id);
  }

  /**
   * Brings back exited processes from durable state, as actors already in `exited` (no child
   * is spawned): their status, exit and final output read as before the restart, their client
   * tokens attach again, and they are reaped on the usual schedule.
   */
  restore(saved: readonly SavedProcess[]): void {
    for (const entry of saved) {
      const { info } = entry;
      if (this.records.has(info.id)) continue;
      const log = this.log.child({ process_id: info.id, ...(info.chatId === null ? {} : { chat_id: info.chatId }) });
      const context: ProcessContext = {
        request: { command: info.command, cwd: info.workdir, env: {} },
        buffer: ProcessOutput.restored(entry.output, entry.totalBytes, entry.exitedAt),
        drainTimeoutMs: this.options.drainTimeoutMs,
        timeoutMs: info.timeoutMs,
        idleTimeoutMs: info.idleTimeoutMs,
        killGraceMs: this.options.killGraceMs,
        now: () => this.clock.now(),
        startedAt: info.startedAt,
        pid: null,
        rawExitCode: entry.exitCode,
        exitSignal: entry.exitSignal,
        exitCode: entry.exitCode,
        exitReason: entry.exitReason,
        spawnError: null,
        closeSeen: true,
        drainCutOff: false,
        endCause: null,
        stdinOpen: false,
        signalError: null,
        exitedAt: entry.exitedAt,
        output: entry.output,
      };
      const snapshot = this.machine.resolveState({ value: 'exited', context });
      const actor = createActor(this.machine, { id: info.id, clock: this.clock, snapshot, input: { request: context.request, buffer: context.buffer, drainTimeoutMs: 0, killGraceMs: 0, now: context.now } });
      const record = new ProcessRecord(info, actor, log);
      actor.start();
      this.records.set(info.id, record);
      if (info.clientToken !== null && info.fingerprint !== null) this.clientTokens.restore(info.chatId, info.clientToken, info.fingerprint, record);
    }
    if (saved.length > 0) this.log.info({ restored: saved.length }, 'restored exited processes from durable state');
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
    // Running processes escalate SIGTERM → SIGKILL in their own machines; the groups of exited
    // shells (background jobs that let go of the pipes) are signalled here.
    const viaActor = new Set<number>();
    for (const record of running) {
      const pid = record.snapshot.context.pid;
      if (pid !== null) viaActor.add(pid);
      try {
        this.terminate(record.info.id, this.options.shutdownGraceMs, null, 'shutdown');
      } catch (error) {
        record.log.error({ err: error }, 'failed to terminate a process during shutdown');
      }
    }
    const lingering = [...this.groups].filter((pgid) => !viaActor.has(pgid));
    for (const pgid of lingering) this.signalGroupLogged(pgid, 'SIGTERM');
    const grace = this.clock.setTimeout(() => {
      for (const pgid of lingering) this.signalGroupLogged(pgid, 'SIGKILL');
    }, this.options.shutdownGraceMs);
    await Promise.all(running.map((record) => record.exited));
    this.clock.clearTimeout(grace);
    // Whatever is left in our groups dies now.
    this.killAllGroups();
    this.log.info('supervisor closed');
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

/**
 * What makes two starts "the same" for a client token: everything that changes what runs, as a
 * SHA-256 (it is persisted, and the env may hold secrets).
 */
function fingerprint(request: StartRequest): string {
  const env = Object.entries(request.env ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const canonical = JSON.stringify([request.command, request.workdir ?? null, env, request.background ?? false, request.stdin ?? false, request.pty ?? null, request.timeoutMs ?? null, request.idleTimeoutMs ?? null]);
  return createHash('sha256').update(canonical).digest('hex');
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
