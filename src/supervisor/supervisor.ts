import type { InspectionEvent } from 'xstate';
import { realClock, type Clock } from '../clock.js';
import { ProcvisorError, quote } from '../errors.js';
import { truncate, type Logger } from '../logger.js';
import { createChildLogic } from './child-logic.js';
import { buildEnvironment, type EnvHook } from './environment.js';
import type { EndCause } from './end-cause.js';
import { httpGetStatus, type HttpProbe } from './http-probe.js';
import { DEFAULT_INPUT_WATCH, InputWatch } from './input-watch.js';
import { Listeners } from './listeners.js';
import { lastLines } from './tail-lines.js';
import { waitForCondition, type WaitCondition, type WaitResult } from './output-wait.js';
import { DEFAULT_PORT_SCAN_MS, PortWatch, portsOf } from './port-watch.js';
import { MAX_EVENT_HISTORY, ProcessEventLog } from './process-events.js';
import { sendInput, sendResize, sendSignal, sendTerminate } from './process-commands.js';
import { ProcessGroups } from './process-groups.js';
import { processMachine } from './process-machine.js';
import { exitFields } from './process-view.js';
import type { ProcessRecord, WaitOutcome } from './process-record.js';
import { ProcessRegistry } from './process-registry.js';
import type { ProcessStore, SavedProcess } from './process-store.js';
import { reapExited } from './reaper.js';
import { restoreProcesses } from './restore.js';
import { shutdownProcesses } from './shutdown.js';
import type { SpillStore } from './spill-store.js';
import { createProcessRecord, processLogger, requestInfo, type RecordDeps } from './start-pipeline.js';
import { startFingerprint, type ChatIdentity, type StartRequest } from './start-request.js';
import { supervisorSettings, type SupervisorOptions, type SupervisorSettings, type SupervisorStats } from './supervisor-settings.js';

export type { ChatIdentity, StartRequest } from './start-request.js';
export type { SupervisorOptions, SupervisorStats } from './supervisor-settings.js';

/**
 * The registry of process actors: start, get, list, signal, wait, reap, close. Knows nothing of
 * HTTP; chat isolation is expressed as an optional chat id on each call. Errors are
 * ProcvisorErrors with codes PROCESS_NOT_FOUND, PROCESS_NOT_RUNNING, SPAWN_FAILED,
 * SIGNAL_FAILED, SUPERVISOR_CLOSED, CLIENT_TOKEN_CONFLICT, STDIN_NOT_OPEN, STDIN_CLOSED,
 * NOT_A_TERMINAL.
 */
export class Supervisor {
  private readonly registry: ProcessRegistry;
  private readonly recordDeps: RecordDeps;
  private readonly groups: ProcessGroups;
  private readonly machine;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly settings: SupervisorSettings;
  private readonly envHook: EnvHook | undefined;
  private readonly store: ProcessStore | null;
  private readonly spill: SpillStore | null;
  private readonly inspect: ((event: InspectionEvent) => void) | undefined;
  /** The clock as a function, shared by every record (see createRecord). */
  private readonly now = (): number => this.clock.now();
  private readonly started = new Listeners<ProcessRecord>();
  private readonly exited = new Listeners<ProcessRecord>();
  private readonly failed = new Listeners<ProcessRecord>();
  private readonly closedListeners = new Listeners<undefined>();
  private closed = false;
  private closing: Promise<void> | null = null;
  private reapTimer: unknown = null;
  private readonly inputWatch: InputWatch | null;
  private readonly portWatch: PortWatch | null;
  private readonly httpProbe: HttpProbe;
  /** Starts, exits, input waits and listening ports, in order, for the events stream (bounded). */
  readonly events: ProcessEventLog;

  constructor(options: SupervisorOptions) {
    this.clock = options.clock ?? realClock;
    this.log = options.log;
    this.groups = new ProcessGroups(options.spawner, options.log, options.groupWatchers ?? []);
    this.inspect = options.inspect;
    this.store = options.store ?? null;
    this.spill = options.spill ?? null;
    this.envHook = options.envHook;
    this.settings = supervisorSettings(options);
    this.machine = processMachine.provide({ actors: { child: createChildLogic(options.spawner, this.log) } });
    this.registry = new ProcessRegistry(this.store);
    this.recordDeps = { machine: this.machine, clock: this.clock, now: this.now, settings: this.settings, store: this.store, spill: this.spill, inspect: this.inspect };
    this.events = new ProcessEventLog(options.maxEventHistory ?? MAX_EVENT_HISTORY, (error) => this.log.error({ err: error }, 'a process event listener failed'));
    this.httpProbe = options.httpProbe ?? httpGetStatus;
    const probe = options.probe ?? null;
    this.inputWatch =
      probe === null
        ? null
        : new InputWatch(probe, this.clock, { ...DEFAULT_INPUT_WATCH, ...options.inputWatch }, this.log, (record) =>
            this.events.append('waiting_for_input', record.info.chatId, { id: record.info.id, prompt: record.waitingForInput?.prompt ?? '' }),
          );
    this.portWatch =
      probe === null
        ? null
        : new PortWatch(probe, this.clock, options.portScanMs ?? DEFAULT_PORT_SCAN_MS, this.log, (record) =>
            this.events.append('listening', record.info.chatId, { id: record.info.id, ports: portsOf(record.listening) }),
          );
    this.scheduleReap();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The time source of this supervisor (for callers that time things alongside it). */
  get clockSource(): Clock {
    return this.clock;
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
    return this.registry.clientTokens.startOnce(chat?.chatId ?? null, request.clientToken, startFingerprint(request), () => this.spawnRecord(request, chat));
  }

  private async spawnRecord(request: StartRequest, chat: ChatIdentity | null): Promise<ProcessRecord> {
    if (this.closed) throw closedError();
    const chatId = chat?.chatId ?? null;
    const ancestorChatIds = chatId === null ? [] : (chat?.ancestorChatIds ?? []);
    const info = requestInfo(request, chatId, ancestorChatIds, this.settings, this.clock.now());
    const log = processLogger(this.log, info);
    const env = await buildEnvironment({ serviceEnv: this.settings.serviceEnv(), hook: this.envHook, requestEnv: request.env, chatId, log });
    if (this.closed) throw closedError();
    const record = createProcessRecord(this.recordDeps, info, log, env, request);
    // Registered before it runs, so a concurrent close() terminates it too.
    this.registry.add(record);
    const spawnStartedAt = performance.now();
    record.actor.start();
    await record.untilStarted();
    record.spawnDurationMs = performance.now() - spawnStartedAt;
    const context = record.snapshot.context;
    // Never ran: the spawn failed, or the child logic failed before the child ran.
    if (context.spawnError !== null || context.pid === null) {
      const reason = context.spawnError ?? `internal error: ${context.internalError ?? 'the process never ran'}`;
      this.registry.remove(info.id);
      context.buffer.spill?.delete();
      log.warn({ command: truncate(request.command), workdir: info.workdir, error: reason }, 'process failed to start');
      this.failed.notify(record, (error) => log.error({ err: error }, 'a spawn-failure listener failed'));
      throw new ProcvisorError('SPAWN_FAILED', 'Failed to start process.', { detail: `start process: ${reason}` });
    }
    this.groups.add(context.pid, info.id);
    log.info({ command: truncate(request.command), workdir: info.workdir, pid: context.pid, background: info.background }, 'process started');
    this.store?.started(record);
    this.started.notify(record, (error) => log.error({ err: error }, 'a process-start listener failed'));
    this.events.append('started', chatId, { id: info.id, command: truncate(info.command), background: info.background, started_at_unix: Math.floor(info.startedAt / 1000) });
    if (context.pid !== null) {
      if (info.stdin) this.inputWatch?.add(record, context.pid);
      this.portWatch?.add(record, context.pid);
    }
    record.exited.then(() => this.onExited(record), (error: unknown) => log.error({ err: error }, 'exit watcher failed'));
    if (this.closed) throw closedError();
    return record;
  }

  private onExited(record: ProcessRecord): void {
    const { internalError, pid } = record.snapshot.context;
    if (internalError !== null) {
      record.log.error({ error: internalError }, 'process actor failed');
      // Its child logic is gone, and with it whatever would have ended the child: end it here.
      if (pid !== null) this.groups.signal([pid], 'SIGKILL');
    }
    this.inputWatch?.remove(record);
    this.portWatch?.remove(record);
    this.exited.notify(record, (error) => record.log.error({ err: error }, 'a process listener failed'));
    const context = record.snapshot.context;
    this.events.append('exited', record.info.chatId, {
      id: record.info.id,
      ...exitFields(context),
      last_lines: lastLines(context.buffer),
    });
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

  /**
   * Calls `listener` with every process that reaches `exited` from now on (after its output
   * drained). Returns the unsubscribe function. A throwing listener is logged, never propagated.
   */
  onProcessExit(listener: (record: ProcessRecord) => void): () => void {
    return this.exited.add(listener);
  }

  /**
   * Calls `listener` with every start that failed (its record is dropped right after, as in the
   * reference; it never reaches the exit listeners). Returns the unsubscribe.
   */
  onSpawnFailure(listener: (record: ProcessRecord) => void): () => void {
    return this.failed.add(listener);
  }

  /** Calls `listener` with every process that starts running from now on. Returns the unsubscribe. */
  onProcessStart(listener: (record: ProcessRecord) => void): () => void {
    return this.started.add(listener);
  }

  /** Every record held now (running and exited), in start order. */
  all(): ProcessRecord[] {
    return this.registry.all();
  }

  /** The record of `id`; PROCESS_NOT_FOUND if unknown or, for a chat caller, another chat's. */
  get(id: string, chatId: string | null = null): ProcessRecord {
    return this.registry.get(id, chatId);
  }

  /** Throws PROCESS_NOT_FOUND if `id` exists and belongs to another chat; a missing id passes. */
  assertNotForeign(id: string, chatId: string | null): void {
    this.registry.assertNotForeign(id, chatId);
  }

  /**
   * Reaps, then lists: a chat caller sees only its own chat's processes; running first, then
   * newest first; at most `listLimit` entries.
   */
  list(chatId: string | null = null): ProcessRecord[] {
    this.reap();
    return this.registry.list(chatId, this.settings.listLimit);
  }

  /**
   * Sends `signal` to the process group of `id`. PROCESS_NOT_FOUND, PROCESS_NOT_RUNNING (also
   * between exit and reaping), or SIGNAL_FAILED with the OS error. Signals meant to end a
   * process (kill, term, int, hup, quit) make its `exit_reason` `requested` unless `cause` says otherwise.
   */
  signal(id: string, signal: NodeJS.Signals, chatId: string | null = null, cause?: EndCause): void {
    sendSignal(this.runningRecord(id, chatId), signal, cause);
  }

  /** SIGTERM to the group of `id`, then SIGKILL if it still runs after `graceMs`. Errors as for `signal`. */
  terminate(id: string, graceMs: number, chatId: string | null = null, cause: EndCause = 'requested'): void {
    sendTerminate(this.runningRecord(id, chatId), graceMs, cause);
  }

  /**
   * Writes `data` to the stdin (or terminal) of `id`; `eof` closes it afterwards. Rejects with
   * PROCESS_NOT_FOUND, PROCESS_NOT_RUNNING, STDIN_NOT_OPEN or STDIN_CLOSED.
   */
  input(id: string, data: Buffer, eof: boolean, chatId: string | null = null): Promise<void> {
    const record = this.runningRecord(id, chatId);
    const sent = sendInput(record, data, eof);
    // The answer is on its way: the process no longer waits (it says so again if it asks again).
    this.inputWatch?.inputSent(record);
    return sent;
  }

  /** Resizes the terminal of `id`. NOT_A_TERMINAL for a process started without `pty`. */
  resize(id: string, cols: number, rows: number, chatId: string | null = null): void {
    sendResize(this.runningRecord(id, chatId), cols, rows);
  }

  private runningRecord(id: string, chatId: string | null): ProcessRecord {
    const record = this.get(id, chatId);
    if (!record.running) throw new ProcvisorError('PROCESS_NOT_RUNNING', `Process ${quote(id)} is not running.`);
    return record;
  }

  /** Waits for `id` to exit, at most `timeoutMs`; see ProcessRecord.waitForExit. */
  waitForExit(record: ProcessRecord, timeoutMs: number, signal?: AbortSignal): Promise<WaitOutcome> {
    return record.waitForExit({ timeoutMs, clock: this.clock, ...(signal ? { signal } : {}) });
  }

  /** Waits for `condition` (or the exit), at most `timeoutMs`; see waitForCondition. Never rejects. */
  waitFor(record: ProcessRecord, condition: WaitCondition, timeoutMs: number, signal?: AbortSignal): Promise<WaitResult> {
    const waiting = waitForCondition(record, condition, { timeoutMs, clock: this.clock, httpProbe: this.httpProbe, ...(signal ? { signal } : {}) });
    if ((condition.kind !== 'port' && condition.kind !== 'http') || this.portWatch === null || !record.running) return waiting;
    // Someone waits for a port: scan at the fast period while the wait lasts.
    const release = this.portWatch.holdFast();
    return waiting.finally(release);
  }

  /** True when this supervisor knows input waits and listening ports (it has a probe). */
  get watchesProcesses(): boolean {
    return this.inputWatch !== null;
  }

  stats(): SupervisorStats {
    let running = 0;
    let waiters = 0;
    let streamReaders = 0;
    for (const record of this.registry.values()) {
      if (record.running) running += 1;
      waiters += record.waiterCount;
      streamReaders += record.streamReaders;
    }
    return { running, exited: this.registry.size - running, waiters, streamReaders, trackedGroups: this.groups.size, clientTokens: this.registry.clientTokens.size };
  }

  /** Drops and trims exited records by age and count; see reapExited. Returns how many it dropped. */
  reap(): number {
    return reapExited(this.registry, this.clock.now(), this.settings);
  }

  /** Brings back exited processes from durable state; see restoreProcesses. */
  restore(saved: readonly SavedProcess[]): void {
    restoreProcesses(saved, { registry: this.registry, machine: this.machine, clock: this.clock, log: this.log, settings: this.settings });
  }

  private scheduleReap(): void {
    this.reapTimer = this.clock.setTimeout(() => {
      if (this.closed) return;
      const dropped = this.reap();
      this.groups.prune(this.registry.runningPids());
      if (dropped > 0) this.log.debug({ dropped }, 'reaped exited processes');
      this.scheduleReap();
    }, this.settings.reapIntervalMs);
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
    this.inputWatch?.close();
    this.portWatch?.close();
    await shutdownProcesses({ registry: this.registry, groups: this.groups, clock: this.clock, log: this.log, shutdownGraceMs: this.settings.shutdownGraceMs });
    this.closedListeners.notify(undefined, (error) => this.log.error({ err: error }, 'a close listener failed'));
  }

  /** Calls `listener` once the supervisor has closed (every process exited, its events logged). Returns the unsubscribe. */
  onClosed(listener: () => void): () => void {
    return this.closedListeners.add(listener);
  }

  /**
   * SIGKILLs every process group this supervisor started, synchronously. For a process 'exit'
   * handler: nothing the service started outlives it, even when it dies on an uncaught error.
   */
  killAllGroups(): void {
    this.groups.killAll();
  }
}

function closedError(): ProcvisorError {
  return new ProcvisorError('SUPERVISOR_CLOSED', 'Failed to start process.', { detail: 'manager is closed' });
}
