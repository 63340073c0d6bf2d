import type { InspectionEvent } from 'xstate';
import type { Clock } from '../clock.js';
import { CONFIG_DEFAULTS } from '../config.js';
import type { Logger } from '../logger.js';
import type { GroupWatcher } from '../spawn/group-watcher.js';
import type { Spawner } from '../spawn/spawner.js';
import type { EnvHook } from './environment.js';
import type { HttpProbe } from './http-probe.js';
import type { InputWatchSettings } from './input-watch.js';
import type { ProcessProbe } from './process-probe.js';
import { DEFAULT_OUTPUT_SIZES, type ProcessOutputSizes } from './process-output.js';
import type { ProcessStore } from './process-store.js';
import type { SpillStore } from './spill-store.js';

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

/** Every setting resolved: the options over the configured defaults. */
export type SupervisorSettings = typeof DEFAULTS & { buffer: ProcessOutputSizes; workdir: string | null; home: () => string; serviceEnv: () => NodeJS.ProcessEnv };

/** Resolves a supervisor's options: each bound left out takes its configured default. */
export function supervisorSettings(options: SupervisorOptions): SupervisorSettings {
  return {
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
}
