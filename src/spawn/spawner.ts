/** A pseudo-terminal for the child: its size and the terminal type (`TERM`). */
export interface PtyOptions {
  cols: number;
  rows: number;
  /** Terminal name, e.g. `xterm-256color`. */
  term: string;
}

/** What to run: always `sh -c <command>`, in `cwd`, with exactly `env`. */
export interface SpawnRequest {
  command: string;
  /** Working directory; `''` means inherit the service's. */
  cwd: string;
  env: Record<string, string>;
  /** Keep stdin open for input; otherwise stdin is /dev/null (reads see EOF at once). */
  stdin?: boolean;
  /** Run on a pseudo-terminal (stdin is then always open: it is the terminal). */
  pty?: PtyOptions;
}

/** The facts a spawned child reports, in the order the OS delivers them. */
export interface ChildListener {
  /** The child runs; `pid` leads its own process group. */
  spawned(pid: number): void;
  /**
   * Bytes the child wrote to stdout or stderr (or its terminal), in the order it wrote them.
   * The chunk is lent for the call only: a spawner may read the next bytes into the same
   * memory (the native spawner does: no allocation per read), so keep a copy of what you keep.
   */
  output(chunk: Buffer): void;
  /** The shell exited: `code` is null when a signal ended it. */
  exited(code: number | null, signal: NodeJS.Signals | null): void;
  /** Every output pipe reached end of file (or was cut off); no `output` follows. */
  closed(): void;
  /** The child could not be started; nothing else follows. `message` is reference-style. */
  failed(message: string, cause: unknown): void;
  /** Something went wrong that does not stop the child (e.g. setting its priority); to be logged. */
  warning?(message: string, cause: unknown): void;
  /** Something worth a debug line only (a normal end the OS reports as an error, e.g. a terminal's EIO). */
  debug?(message: string, cause: unknown): void;
}

/** Control over one spawned child. Calls after it has closed are harmless no-ops. */
export interface ChildHandle {
  /**
   * Sends a signal to the child's whole process group. A group that is already gone is not an
   * error; any other failure throws (the caller reports it).
   */
  signal(signal: NodeJS.Signals): void;
  /** Closes the output pipes now (the drain cut-off); `closed` follows. */
  cutOff(): void;
  /**
   * Writes to the child's stdin (or terminal); `eof` closes stdin afterwards (on a terminal it
   * sends Ctrl-D). Calls `done` once with null or the write error (e.g. EPIPE).
   */
  write(data: Buffer, eof: boolean, done: (error: Error | null) => void): void;
  /** Resizes the child's terminal; a no-op for a child without one. */
  resize(cols: number, rows: number): void;
}

/**
 * The port between the process actor and the OS. The pipe and PTY spawners and the testing
 * kit's fake spawner implement it; the actor does not know which one it runs.
 */
export interface Spawner {
  spawn(request: SpawnRequest, listener: ChildListener): ChildHandle;
  /**
   * Signals a process group this spawner started, even after its leader exited (a background
   * grandchild may live on). Returns false if the group is gone; throws on other errors.
   */
  signalGroup(pgid: number, signal: NodeJS.Signals): boolean;
  /** True while any member of the group is alive. */
  isGroupAlive(pgid: number): boolean;
}
