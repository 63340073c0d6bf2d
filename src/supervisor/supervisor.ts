import { randomUUID } from 'node:crypto';
import { createActor, type InspectionEvent } from 'xstate';
import { realClock, type Clock } from '../clock.js';
import { CONFIG_DEFAULTS } from '../config.js';
import { ProcvisorError, quote } from '../errors.js';
import { truncate, type Logger } from '../logger.js';
import type { GroupWatcher } from '../spawn/group-watcher.js';
import type { Spawner } from '../spawn/spawner.js';
import { createChildLogic } from './child-logic.js';
import { ClientTokens } from './client-tokens.js';
import { buildEnvironment, type EnvHook } from './environment.js';
import type { EndCause } from './end-cause.js';
import { httpGetStatus, type HttpProbe } from './http-probe.js';
import { DEFAULT_INPUT_WATCH, InputWatch, type InputWatchSettings } from './input-watch.js';
import { Listeners } from './listeners.js';
import { lastLines } from './tail-lines.js';
import { waitForCondition, type WaitCondition, type WaitResult } from './output-wait.js';
import { DEFAULT_PORT_SCAN_MS, PortWatch, portsOf } from './port-watch.js';
import { MAX_EVENT_HISTORY, ProcessEventLog } from './process-events.js';
import type { ProcessProbe } from './process-probe.js';
import { sendInput, sendResize, sendSignal, sendTerminate } from './process-commands.js';
import { ProcessGroups } from './process-groups.js';
import { processMachine } from './process-machine.js';
import { exitFields } from './process-view.js';
import { DEFAULT_OUTPUT_SIZES, ProcessOutput, type ProcessOutputSizes } from './process-output.js';
import { ProcessRecord, stateName, type ProcessActor, type ProcessRequestInfo, type WaitOutcome } from './process-record.js';
import type { ProcessStore, SavedProcess } from './process-store.js';
import type { SpillStore } from './spill-store.js';
import { restoredContext } from './restored-context.js';
import { startFingerprint, type ChatIdentity, type StartRequest } from './start-request.js';
import { resolveWorkdir } from './workdir.js';

export type { ChatIdentity, StartRequest } from './start-request.js';

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
  /** How long an exited process keeps its stream window (for late cursor reads); then only the head/tail. */
  exitedStreamKeepMs?: number;
  /** SIGTERM → SIGKILL grace when a lifetime or idle timeout ends a process. */
  killGraceMs?: number;
  /**
   * Receives every xstate inspection event of every process actor (the Stately inspector
   * protocol). Off by default; when off, only the bounded per-process history is recorded.
   */
  inspect?: (event: InspectionEvent) => void;
  /**
   * Durable state: told of every start, exit and reaping. Absent: in memory only. An exit is
   * handed to it before any client can read it (see ProcessRecord's `beforeRelease`).
   */
  store?: ProcessStore;
  /**
   * Told of every process group this supervisor tracks (the crash sentinel, the durable group
   * table). Only for a spawner whose group ids are real: a fake spawner's would name strangers.
   */
  groupWatchers?: readonly GroupWatcher[];
  /**
   * Asks the OS whether a process waits for input and which ports it listens on (the procfs
   * probe on Linux). Absent or null: neither is known (no `waiting_for_input`, no ports; input,
   * port and http waits then end only on the exit or their time limit).
   */
  probe?: ProcessProbe | null;
  /** Timing of input-wait detection (settle time, tick, checks per tick, back-off). */
  inputWatch?: Partial<InputWatchSettings>;
  /** Period of the listening-port scan, ms. */
  portScanMs?: number;
  /** Events kept for the events stream's resumption. */
  maxEventHistory?: number;
  /** Sends the probes of `http` waits (default: a node:http GET). */
  httpProbe?: HttpProbe;
  /**
   * Where each process spills its whole output (bounded; see SpillStore), so pattern waits and
   * grep reads cover all of it. Absent: only the head/tail and the stream window are kept.
   */
  spill?: SpillStore;
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

// From config/default.json (CONFIG_DEFAULTS), for embedders that leave a setting out.
const DEFAULTS = {
  drainTimeoutMs: CONFIG_DEFAULTS.drainTimeoutMs,
  reapAfterMs: CONFIG_DEFAULTS.reapAfterMs,
  reapIntervalMs: CONFIG_DEFAULTS.reapIntervalMs,
  maxExitedRecords: CONFIG_DEFAULTS.maxExitedRecords,
  listLimit: CONFIG_DEFAULTS.listLimit,
  shutdownGraceMs: CONFIG_DEFAULTS.shutdownGraceMs,
  killGraceMs: CONFIG_DEFAULTS.killGraceMs,
  exitedStreamKeepMs: CONFIG_DEFAULTS.exitedStreamKeepMs,
};

type Settings = typeof DEFAULTS & { buffer: ProcessOutputSizes; workdir: string | null; home: () => string; serviceEnv: () => NodeJS.ProcessEnv };

/**
 * The registry of process actors: start, get, list, signal, wait, reap, close. Knows nothing of
 * HTTP; chat isolation is expressed as an optional chat id on each call. Errors are
 * ProcvisorErrors with codes PROCESS_NOT_FOUND, PROCESS_NOT_RUNNING, SPAWN_FAILED,
 * SIGNAL_FAILED, SUPERVISOR_CLOSED, CLIENT_TOKEN_CONFLICT, STDIN_NOT_OPEN, STDIN_CLOSED,
 * NOT_A_TERMINAL.
 */
export class Supervisor {
  private readonly records = new Map<string, ProcessRecord>();
  private readonly groups: ProcessGroups;
  private readonly machine;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly settings: Settings;
  private readonly envHook: EnvHook | undefined;
  private readonly store: ProcessStore | null;
  private readonly spill: SpillStore | null;
  private readonly inspect: ((event: InspectionEvent) => void) | undefined;
  private readonly clientTokens = new ClientTokens();
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
    this.settings = {
      buffer: { ...DEFAULT_OUTPUT_SIZES, ...options.buffer },
      workdir: options.workdir ?? null,
      home: options.home ?? (() => process.env.HOME ?? ''),
      serviceEnv: options.serviceEnv ?? (() => process.env),
      drainTimeoutMs: options.drainTimeoutMs ?? DEFAULTS.drainTimeoutMs,
      reapAfterMs: options.reapAfterMs ?? DEFAULTS.reapAfterMs,
      reapIntervalMs: options.reapIntervalMs ?? DEFAULTS.reapIntervalMs,
      maxExitedRecords: options.maxExitedRecords ?? DEFAULTS.maxExitedRecords,
      listLimit: options.listLimit ?? DEFAULTS.listLimit,
      shutdownGraceMs: options.shutdownGraceMs ?? DEFAULTS.shutdownGraceMs,
      killGraceMs: options.killGraceMs ?? DEFAULTS.killGraceMs,
      exitedStreamKeepMs: options.exitedStreamKeepMs ?? DEFAULTS.exitedStreamKeepMs,
    };
    this.machine = processMachine.provide({ actors: { child: createChildLogic(options.spawner, this.log) } });
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
    return this.clientTokens.startOnce(chat?.chatId ?? null, request.clientToken, startFingerprint(request), () => this.spawnRecord(request, chat));
  }

  private async spawnRecord(request: StartRequest, chat: ChatIdentity | null): Promise<ProcessRecord> {
    if (this.closed) throw closedError();
    const chatId = chat?.chatId ?? null;
    const ancestorChatIds = chatId === null ? [] : (chat?.ancestorChatIds ?? []);
    const info: ProcessRequestInfo = {
      id: randomUUID(),
      command: request.command,
      workdir: resolveWorkdir(request.workdir, this.settings.workdir, this.settings.home),
      background: request.background ?? false,
      chatId,
      ancestorChatIds,
      startedAt: this.clock.now(),
      stdin: request.stdin === true || request.pty !== undefined,
      pty: request.pty ?? null,
      timeoutMs: request.timeoutMs ?? null,
      idleTimeoutMs: request.idleTimeoutMs ?? null,
      clientToken: request.clientToken ?? null,
      fingerprint: request.clientToken === undefined ? null : startFingerprint(request),
    };
    const log = this.log.child({
      process_id: info.id,
      ...(chatId === null ? {} : { chat_id: chatId }),
      ...(ancestorChatIds.length > 0 ? { ancestor_chat_ids: ancestorChatIds } : {}),
    });
    const env = await buildEnvironment({ serviceEnv: this.settings.serviceEnv(), hook: this.envHook, requestEnv: request.env, chatId, log });
    if (this.closed) throw closedError();
    const record = this.createRecord(info, log, env, request);
    // Registered before it runs, so a concurrent close() terminates it too.
    this.records.set(info.id, record);
    const spawnStartedAt = performance.now();
    record.actor.start();
    await record.untilStarted();
    record.spawnDurationMs = performance.now() - spawnStartedAt;
    const context = record.snapshot.context;
    // Never ran: the spawn failed, or the child logic failed before the child ran.
    if (context.spawnError !== null || context.pid === null) {
      const reason = context.spawnError ?? `internal error: ${context.internalError ?? 'the process never ran'}`;
      this.records.delete(info.id);
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

  /** A process actor (not started yet) and its record; every event it takes lands in the record's history. */
  private createRecord(info: ProcessRequestInfo, log: Logger, env: Record<string, string>, request: StartRequest): ProcessRecord {
    const created: { record?: ProcessRecord; actor?: ProcessActor } = {};
    const actor = createActor(this.machine, {
      id: info.id,
      clock: this.clock,
      inspect: (event) => {
        // Events arrive during createActor() too, before the record exists; those are the
        // actor's own creation, which the history does not need.
        if (event.type === '@xstate.snapshot' && created.record && event.actorRef === created.actor) {
          created.record.recordEvent({ at: this.clock.now(), type: event.event.type, state: stateName((event.snapshot as { value?: unknown }).value) });
        }
        this.inspect?.(event);
      },
      input: {
        request: { command: info.command, cwd: info.workdir, env, ...(request.stdin ? { stdin: true } : {}), ...(request.pty ? { pty: request.pty } : {}) },
        // Closures made here would share this scope's V8 context (env, the actor, the request)
        // and keep it alive for as long as the exited record: ~8.5 KiB each, measured. So the
        // clock is one shared function and the error handler is made outside.
        buffer: new ProcessOutput(this.settings.buffer, this.now, listenerErrorLogger(log), undefined, this.spill?.create(info.id, log) ?? null),
        drainTimeoutMs: this.settings.drainTimeoutMs,
        timeoutMs: info.timeoutMs,
        idleTimeoutMs: info.idleTimeoutMs,
        killGraceMs: this.settings.killGraceMs,
        now: this.now,
      },
    });
    created.actor = actor;
    // The exit is committed to the store before a waiter or a reader can see it.
    // A start that failed (or never ran) is dropped, as in the reference: it is never stored.
    const store = this.store;
    const commitExit = store ? (record: ProcessRecord): void => {
      const { spawnError, pid } = record.snapshot.context;
      if (spawnError === null && pid !== null) store.exited(record);
    } : undefined;
    created.record = new ProcessRecord(info, actor, log, commitExit);
    return created.record;
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
    return [...this.records.values()];
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
    return matching.slice(0, this.settings.listLimit);
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
    for (const record of this.records.values()) {
      if (record.running) running += 1;
      waiters += record.waiterCount;
      streamReaders += record.streamReaders;
    }
    return { running, exited: this.records.size - running, waiters, streamReaders, trackedGroups: this.groups.size, clientTokens: this.clientTokens.size };
  }

  /**
   * Drops exited records older than `reapAfterMs` (strictly), then the oldest exited records
   * beyond `maxExitedRecords`; releases the stream windows of records exited longer than
   * `exitedStreamKeepMs` (memory: measured ~40 KiB of heap per record otherwise, and a bigger
   * heap makes every fork slower). Returns how many records it dropped.
   */
  reap(): number {
    const now = this.clock.now();
    const kept: ProcessRecord[] = [];
    let dropped = 0;
    for (const record of this.records.values()) {
      const exitedAt = record.snapshot.context.exitedAt;
      if (exitedAt === null) continue;
      if (now - exitedAt > this.settings.reapAfterMs) {
        this.drop(record);
        dropped += 1;
      } else {
        if (now - exitedAt > this.settings.exitedStreamKeepMs) record.snapshot.context.buffer.releaseWindow();
        kept.push(record);
      }
    }
    const excess = kept.length - this.settings.maxExitedRecords;
    if (excess > 0) {
      kept.sort((a, b) => (a.snapshot.context.exitedAt ?? 0) - (b.snapshot.context.exitedAt ?? 0));
      for (const record of kept.slice(0, excess)) this.drop(record);
      dropped += excess;
    }
    return dropped;
  }

  private drop(record: ProcessRecord): void {
    this.records.delete(record.info.id);
    this.clientTokens.forget(record.info.id);
    record.snapshot.context.buffer.spill?.delete();
    this.store?.dropped(record.info.id);
  }

  /**
   * Brings back exited processes from durable state, as actors already in `exited` (no child
   * is spawned): their status, exit and final output read as before the restart, their client
   * tokens attach again, and they are reaped on the usual schedule.
   */
  restore(saved: readonly SavedProcess[]): void {
    const now = (): number => this.clock.now();
    for (const entry of saved) {
      const { info } = entry;
      if (this.records.has(info.id)) continue;
      const context = restoredContext(entry, { drainTimeoutMs: this.settings.drainTimeoutMs, killGraceMs: this.settings.killGraceMs, now });
      const snapshot = this.machine.resolveState({ value: 'exited', context });
      const actor = createActor(this.machine, {
        id: info.id,
        clock: this.clock,
        snapshot,
        input: { request: context.request, buffer: context.buffer, drainTimeoutMs: 0, killGraceMs: 0, now },
      });
      // Already exited: the record freezes it at once; the actor is never started.
      const record = new ProcessRecord(info, actor, this.log.child({ process_id: info.id, ...(info.chatId === null ? {} : { chat_id: info.chatId }) }));
      this.records.set(info.id, record);
      if (info.clientToken !== null && info.fingerprint !== null) this.clientTokens.restore(info.chatId, info.clientToken, info.fingerprint, record);
    }
    if (saved.length > 0) this.log.info({ restored: saved.length }, 'restored exited processes from durable state');
  }

  private scheduleReap(): void {
    this.reapTimer = this.clock.setTimeout(() => {
      if (this.closed) return;
      const dropped = this.reap();
      this.groups.prune(this.runningPids());
      if (dropped > 0) this.log.debug({ dropped }, 'reaped exited processes');
      this.scheduleReap();
    }, this.settings.reapIntervalMs);
  }

  private runningPids(): Set<number> {
    const pids = new Set<number>();
    for (const record of this.records.values()) {
      const pid = record.snapshot.context.pid;
      if (record.running && pid !== null) pids.add(pid);
    }
    return pids;
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
    const running = [...this.records.values()].filter((record) => record.running);
    this.log.info({ running: running.length, groups: this.groups.size }, 'supervisor closing');
    // Running processes escalate SIGTERM → SIGKILL in their own machines; the groups of exited
    // shells (background jobs that let go of the pipes) are signalled here.
    for (const record of running) {
      try {
        sendTerminate(record, this.settings.shutdownGraceMs, 'shutdown');
      } catch (error) {
        record.log.error({ err: error }, 'failed to terminate a process during shutdown');
      }
    }
    const lingering = this.groups.others(this.runningPids());
    this.groups.signal(lingering, 'SIGTERM');
    const grace = this.clock.setTimeout(() => this.groups.signal(lingering, 'SIGKILL'), this.settings.shutdownGraceMs);
    await Promise.all(running.map((record) => record.exited));
    this.clock.clearTimeout(grace);
    // Whatever is left in our groups dies now.
    this.groups.killAll();
    this.log.info('supervisor closed');
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

function visibleTo(record: ProcessRecord, chatId: string | null): boolean {
  return chatId === null || record.info.chatId === null || record.info.chatId === chatId;
}

function notFound(id: string): ProcvisorError {
  return new ProcvisorError('PROCESS_NOT_FOUND', `Process ${quote(id)} not found.`);
}

function closedError(): ProcvisorError {
  return new ProcvisorError('SUPERVISOR_CLOSED', 'Failed to start process.', { detail: 'manager is closed' });
}

/** Logs what an output listener threw; a module-level factory so it captures `log` only. */
function listenerErrorLogger(log: Logger): (error: unknown) => void {
  return (error) => log.error({ err: error }, 'an output listener failed');
}
