import type { ProcessContext } from './process-machine.js';
import { ProcessOutput } from './process-output.js';
import type { SavedProcess } from './process-store.js';

/**
 * The context of an actor brought back from durable state straight into `exited`: its exit, its
 * final output (the stream window is empty at the end, so older cursors read as a gap), and no
 * child (the request's env is not stored, and nothing runs again).
 */
export function restoredContext(saved: SavedProcess, settings: { drainTimeoutMs: number; killGraceMs: number; now: () => number }): ProcessContext {
  const { info } = saved;
  return {
    request: { command: info.command, cwd: info.workdir, env: {} },
    buffer: ProcessOutput.restored(saved.output, saved.totalBytes, saved.exitedAt),
    drainTimeoutMs: settings.drainTimeoutMs,
    timeoutMs: info.timeoutMs,
    idleTimeoutMs: info.idleTimeoutMs,
    killGraceMs: settings.killGraceMs,
    now: settings.now,
    startedAt: info.startedAt,
    pid: null,
    rawExitCode: saved.exitCode,
    exitSignal: saved.exitSignal,
    exitCode: saved.exitCode,
    exitReason: saved.exitReason,
    spawnError: null,
    internalError: null,
    closeSeen: true,
    drainCutOff: false,
    endCause: null,
    stdinOpen: false,
    signalError: null,
    queued: [],
    exitedAt: saved.exitedAt,
    output: saved.output,
  };
}
