import { spawn as spawnChild, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { ChildHandle, ChildListener, SpawnRequest, Spawner } from './spawner.js';
import { applyPriority, priorityPrefix, type PrioritySettings } from './priority.js';
import { groupAlive, signalGroup } from './signals.js';

/**
 * Prepended to every command, on the same line so that the shell's line numbers stay those of
 * the command. From then on fd 2 is fd 1: stdout and stderr share one pipe and reach the buffer
 * in the exact order the child wrote them, as in the reference (one OS pipe for both). A syntax
 * error on the first line is reported before this runs, on the separate stderr pipe, which is
 * why that pipe is read too. Measured: no cost over a plain `sh -c` (an `exec sh -c` wrapper
 * would add ~0.8 ms per spawn).
 */
export const MERGE_STDERR_PREFIX = 'exec 2>&1; ';

export interface PipeSpawnerOptions {
  /** OOM score and niceness for every child; null leaves them as inherited. */
  priority?: PrioritySettings | null;
}

/** The handle of a child that never started: signals and resizes do nothing, input fails. */
export const NOT_STARTED_HANDLE: ChildHandle = {
  signal: () => undefined,
  cutOff: () => undefined,
  write: (_data, _eof, done) => done(new Error('the process did not start')),
  resize: () => undefined,
};

/**
 * Spawns `sh -c <command>` with child_process: its own process group (`detached`), stdin on
 * /dev/null unless asked to keep it open, stdout and stderr merged. Spawn failures are reported
 * through `failed` with the reference's wording (`chdir /x: no such file or directory`,
 * `exec: "sh": executable file not found in $PATH`), never thrown.
 */
export function createPipeSpawner(options: PipeSpawnerOptions = {}): Spawner {
  const priority = options.priority ?? null;
  return { spawn: (request, listener) => spawnPiped(request, listener, priority), signalGroup, isGroupAlive: groupAlive };
}

function spawnPiped(request: SpawnRequest, listener: ChildListener, priority: PrioritySettings | null): ChildHandle {
  let child: ChildProcess;
  try {
    child = spawnChild('sh', ['-c', MERGE_STDERR_PREFIX + priorityPrefix(priority) + request.command], {
      cwd: request.cwd === '' ? undefined : request.cwd,
      env: request.env,
      detached: true,
      stdio: [request.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    // Node throws synchronously for some bad arguments (e.g. a NUL byte); report it like the rest.
    queueMicrotask(() => listener.failed(describeSpawnError(error, request.cwd), error));
    return NOT_STARTED_HANDLE;
  }
  // uv_spawn has returned: the shell is exec'ing now and cannot have forked yet.
  if (priority && child.pid !== undefined) {
    for (const failure of applyPriority(child.pid, priority)) listener.warning?.('failed to set process priority', failure);
  }
  let failed = false;
  let closed = false;
  const onData = (chunk: Buffer): void => listener.output(chunk);
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  // Write errors (EPIPE once the child closed its stdin) reach the write callbacks; this
  // listener keeps them from becoming uncaught 'error' events.
  child.stdin?.on('error', () => undefined);
  child.once('spawn', () => listener.spawned(child.pid ?? -1));
  // Node reports a bad cwd or a missing `sh` as an async 'error' event (then 'close'), with no
  // 'spawn' and no 'exit'.
  child.on('error', (error) => {
    if (child.pid === undefined && !failed) {
      failed = true;
      listener.failed(describeSpawnError(error, request.cwd), error);
    }
  });
  child.once('exit', (code, signal) => listener.exited(code, signal));
  child.once('close', () => {
    closed = true;
    if (!failed) listener.closed();
  });
  return {
    signal(signal) {
      if (closed || failed || child.pid === undefined) return;
      signalGroup(child.pid, signal);
    },
    cutOff() {
      if (closed || failed) return;
      child.stdout?.destroy();
      child.stderr?.destroy();
    },
    write: (data, eof, done) => writeStdin(child.stdin, data, eof, done),
    resize: () => undefined,
  };
}

/** Writes `data` to a child's stdin, then ends it when `eof`; `done` gets the outcome (an ended or missing stdin fails). */
export function writeStdin(stdin: Writable | null | undefined, data: Buffer, eof: boolean, done: (error: Error | null) => void): void {
  if (!stdin || stdin.writableEnded || stdin.destroyed) {
    done(new Error('stdin is closed'));
    return;
  }
  stdin.write(data, (error) => {
    if (eof && !error) stdin.end();
    done(error ?? null);
  });
}

/** Reference-style text for a spawn error; the supervisor prefixes `start process: `. */
export function describeSpawnError(error: unknown, cwd: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    // Node says "spawn sh ENOENT" for both a missing directory and a missing shell.
    if (cwd !== '' && !isDirectory(cwd)) return `chdir ${cwd}: no such file or directory`;
    return 'exec: "sh": executable file not found in $PATH';
  }
  if (code === 'ENOTDIR') return `chdir ${cwd}: not a directory`;
  if (code === 'EACCES' && cwd !== '') return `chdir ${cwd}: permission denied`;
  return error instanceof Error ? error.message : String(error);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
