import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import * as pty from 'node-pty';
import type { ChildHandle, ChildListener, SpawnRequest, Spawner } from './spawner.js';
import { applyPriority, priorityPrefix, type PrioritySettings } from './priority.js';
import { groupAlive, signalGroup, signalName } from './signals.js';
import { drainBeforeCutOff } from './terminal-drain.js';

/** Ctrl-D: on a terminal in canonical mode, end of input for the foreground program. */
const END_OF_TRANSMISSION = Buffer.from([0x04]);


export interface PtySpawnerOptions {
  priority?: PrioritySettings | null;
  /** node-pty's `spawn` (the default); specs pass a wrapper that observes the real terminal. */
  spawnTerminal?: typeof pty.spawn;
}

/**
 * Spawns `sh -c <command>` on a pseudo-terminal with node-pty, the only module that imports
 * it. The child leads a new session (so its own process group); stdout and stderr are the
 * terminal, with CRLF line ends. node-pty reports the exit only after the terminal's output is
 * read (or after its own 200 ms cut-off when a background job keeps the terminal open; what the
 * child wrote before its exit is read synchronously at that cut-off, see terminal-drain.ts), so
 * `exited` and `closed` come together. Requests without `pty` are refused: use the pipe spawner.
 */
export function createPtySpawner(options: PtySpawnerOptions = {}): Spawner {
  const priority = options.priority ?? null;
  const spawnTerminal = options.spawnTerminal ?? pty.spawn;
  return { spawn: (request, listener) => spawnOnPty(request, listener, priority, spawnTerminal), signalGroup, isGroupAlive: groupAlive };
}

function spawnOnPty(request: SpawnRequest, listener: ChildListener, priority: PrioritySettings | null, spawnTerminal: typeof pty.spawn): ChildHandle {
  const closedHandle: ChildHandle = { signal: () => undefined, cutOff: () => undefined, write: (_d, _e, done) => done(new Error('the process did not start')), resize: () => undefined };
  // node-pty reports a bad cwd or a missing shell only as exit code 1 and a line of output;
  // check first so that these are spawn failures, as with pipes.
  const problem = preflight(request);
  if (problem !== null) {
    queueMicrotask(() => listener.failed(problem, new Error(problem)));
    return closedHandle;
  }
  const options = request.pty ?? { cols: 80, rows: 24, term: 'xterm-256color' };
  let terminal: pty.IPty;
  try {
    terminal = spawnTerminal('sh', ['-c', priorityPrefix(priority) + request.command], {
      name: options.term,
      cols: options.cols,
      rows: options.rows,
      cwd: request.cwd === '' ? process.cwd() : request.cwd,
      env: request.env,
      encoding: null,
    });
  } catch (error) {
    queueMicrotask(() => listener.failed(error instanceof Error ? error.message : String(error), error));
    return closedHandle;
  }
  const pid = terminal.pid;
  if (priority) for (const failure of applyPriority(pid, priority)) listener.warning?.('failed to set process priority', failure);
  // node-pty rethrows socket errors that nobody listens for. Linux answers the master's read
  // with EIO once nothing holds the terminal's other side any more: that is its normal end
  // (the child exited), not a problem, so it is only a debug line; anything else is a warning.
  (terminal as unknown as NodeJS.EventEmitter).on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EIO') listener.debug?.('terminal closed', error);
    else listener.warning?.('terminal error', error);
  });
  let closed = false;
  queueMicrotask(() => listener.spawned(pid));
  const output = (data: string | Buffer): void => listener.output(typeof data === 'string' ? Buffer.from(data) : data);
  terminal.onData(output);
  if (!drainBeforeCutOff(terminal, output, (error) => listener.warning?.('failed to read the terminal before closing it', error))) {
    listener.warning?.('node-pty internals changed: output written just before the exit may be lost on a stalled event loop', new Error('no _socket.destroy or _fd on the terminal'));
  }
  terminal.onExit(({ exitCode, signal }) => {
    closed = true;
    const exitSignal = signal ? signalName(signal) : null;
    listener.exited(exitSignal ? null : exitCode, exitSignal);
    listener.closed();
  });
  return {
    signal(signal) {
      if (!closed) signalGroup(pid, signal);
    },
    cutOff() {
      // The exit already waits for the terminal's end; nothing stays open to cut.
    },
    write(data, eof, done) {
      if (closed) {
        done(new Error('the terminal is closed'));
        return;
      }
      try {
        terminal.write(data);
        if (eof) terminal.write(END_OF_TRANSMISSION);
        done(null);
      } catch (error) {
        done(error instanceof Error ? error : new Error(String(error)));
      }
    },
    resize(cols, rows) {
      if (!closed) terminal.resize(cols, rows);
    },
  };
}

/** Reference-style text for what would make the spawn fail, or null. */
function preflight(request: SpawnRequest): string | null {
  if (request.cwd !== '') {
    try {
      if (!statSync(request.cwd).isDirectory()) return `chdir ${request.cwd}: not a directory`;
    } catch {
      return `chdir ${request.cwd}: no such file or directory`;
    }
  }
  const path = request.env.PATH ?? '';
  const found = path.split(delimiter).some((dir) => {
    try {
      accessSync(join(dir || '.', 'sh'), fsConstants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  return found ? null : 'exec: "sh": executable file not found in $PATH';
}
