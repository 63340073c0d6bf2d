import { drainFd } from './drain-fd.js';
import { Socket, type OnReadOpts, type SocketConstructorOpts } from 'node:net';
import type { NativeAddon } from './native-addon.js';
import { describeSpawnError, MERGE_STDERR_PREFIX, NOT_STARTED_HANDLE, writeStdin, type PipeSpawnerOptions } from './pipe-spawner.js';
import { applyPriority, priorityPrefix, type PrioritySettings } from './priority.js';
import { forgetShellPath, resolveShellPath } from './shell-path.js';
import { groupAlive, signalGroup, signalName } from './signals.js';
import type { ChildHandle, ChildListener, SpawnRequest, Spawner } from './spawner.js';

/** Bytes a cut-off still reads from a pipe (a writer that keeps writing is cut there). */
export const CUT_OFF_DRAIN_BYTES = 1_048_576;

/**
 * The memory every output read of every native child lands in, lent to the listener for the
 * call (reads are sequential on the event loop, and each callback runs before the next read).
 */
const READ_BUFFER = Buffer.allocUnsafeSlow(65_536);


/**
 * Spawns `sh -c <command>` through the C addon (posix_spawn: the cost does not grow with the
 * service's memory, unlike child_process's fork). Same contract and wording as the pipe
 * spawner: own process group, stdin /dev/null or a pipe, stdout+stderr merged by the
 * `exec 2>&1` prefix with the stderr pipe still read for first-line shell errors, priority
 * applied. `closed` follows both the exit and the end of both pipes, as Node's 'close' does.
 */
export function createNativeSpawner(addon: NativeAddon, options: PipeSpawnerOptions = {}): Spawner {
  const priority = options.priority ?? null;
  return { spawn: (request, listener) => spawnNative(addon, request, listener, priority), signalGroup, isGroupAlive: groupAlive };
}

function fail(listener: ChildListener, request: SpawnRequest, error: unknown): ChildHandle {
  // Failures are reported asynchronously, as child_process does: the caller's state is set up.
  queueMicrotask(() => listener.failed(describeSpawnError(error, request.cwd), error));
  return NOT_STARTED_HANDLE;
}

function spawnNative(addon: NativeAddon, request: SpawnRequest, listener: ChildListener, priority: PrioritySettings | null): ChildHandle {
  const script = MERGE_STDERR_PREFIX + priorityPrefix(priority) + request.command;
  const envp = Object.entries(request.env).map(([name, value]) => `${name}=${value}`);
  // C strings end at NUL: refuse what child_process refuses rather than run a truncated command.
  if (script.includes('\0') || request.cwd.includes('\0') || envp.some((entry) => entry.includes('\0'))) {
    return fail(listener, request, new TypeError('the command, working directory or environment contains a NUL byte'));
  }
  const shell = resolveShellPath(request.env.PATH, request.cwd);
  if (shell === null) return fail(listener, request, Object.assign(new Error('spawn sh ENOENT'), { code: 'ENOENT' }));

  let exited = false;
  let openPipes = 2;
  let closed = false;
  let stdin: Socket | null = null;
  const maybeClose = (): void => {
    if (closed || !exited || openPipes > 0) return;
    closed = true;
    listener.closed();
  };
  const onExit = (code: number, signal: number): void => {
    exited = true;
    // Node destroys stdin at exit too: nobody reads it any more.
    stdin?.destroy();
    listener.exited(code >= 0 ? code : null, signal >= 0 ? signalName(signal) : null);
    maybeClose();
  };
  let fds: [number, number, number, number];
  try {
    fds = addon.spawn(shell, ['sh', '-c', script], envp, request.cwd, request.stdin === true, onExit);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') forgetShellPath(request.env.PATH);
    return fail(listener, request, error);
  }
  const [pid, stdinFd, outFd, errFd] = fds;
  if (priority) {
    for (const failure of applyPriority(pid, priority)) listener.warning?.('failed to set process priority', failure);
  }
  const outputs = [outFd, errFd].map((fd) => {
    // Every read lands in one shared buffer and is lent to the listener (which copies what it
    // keeps): no allocation per read, so a fast producer does not feed the garbage collector.
    const onRead = (bytes: number): boolean => {
      listener.output(READ_BUFFER.subarray(0, bytes));
      return true; // keep reading (false would pause the socket)
    };
    // `onread` is a constructor option since Node 12 (documented there since Node 22); this
    // @types/node lists it for connect() only.
    const options: SocketConstructorOpts & { onread: OnReadOpts } = { fd, readable: true, writable: false, onread: { buffer: READ_BUFFER, callback: onRead } };
    const socket = new Socket(options);
    // A read error ends the pipe like EOF does ('close' follows); the data so far is kept.
    socket.on('error', (error) => listener.warning?.('reading the output pipe failed', error));
    socket.once('close', () => {
      openPipes--;
      maybeClose();
    });
    return socket;
  });
  if (stdinFd >= 0) {
    stdin = new Socket({ fd: stdinFd, readable: false, writable: true });
    // Write errors (EPIPE once the child closed its stdin) reach the write callbacks.
    stdin.on('error', () => undefined);
  }
  process.nextTick(() => listener.spawned(pid));
  return {
    signal(signal) {
      if (closed) return;
      signalGroup(pid, signal);
    },
    cutOff() {
      if (closed) return;
      for (const [i, socket] of outputs.entries()) {
        // The exit can be seen before the pipe's last bytes (both fds wake in the same poll):
        // take what is already in the pipe, then close it.
        // (libuv made the fd non-blocking; any read error ends the pipe the same way)
        if (!socket.destroyed) drainFd(i === 0 ? outFd : errFd, CUT_OFF_DRAIN_BYTES, (chunk) => listener.output(chunk));
        socket.destroy();
      }
    },
    write: (data, eof, done) => writeStdin(stdin, data, eof, done),
    resize: () => undefined,
  };
}
