import type { ChildHandle, ChildListener, SpawnRequest, Spawner } from '../spawn/spawner.js';

/**
 * A scripted child for tests: nothing happens until the test says so. Each method reports one
 * OS fact to the process actor, synchronously, in the order the test calls them.
 */
export class FakeChild {
  readonly request: SpawnRequest;
  /** Signals the actor sent to the child's group, in order. */
  readonly signals: NodeJS.Signals[] = [];
  /** How many times the drain cut-off closed the pipes. */
  cutOffs = 0;
  /** Everything written to the child's stdin, and whether it was closed. */
  readonly input: Buffer[] = [];
  stdinClosed = false;
  /** Terminal sizes the child was resized to, in order. */
  readonly resizes: { cols: number; rows: number }[] = [];
  /**
   * What a signal does. Default: like a shell with no traps, it exits by that signal and its
   * pipes close. Set to `'ignore'` for a child that traps everything, or to `'throw'` to make
   * signal delivery fail (EPERM).
   */
  onSignal: 'die' | 'ignore' | 'throw' = 'die';
  pid: number | null = null;
  private readonly listener: ChildListener;
  private state: 'new' | 'running' | 'exited' | 'closed' | 'failed' = 'new';

  constructor(request: SpawnRequest, listener: ChildListener) {
    this.request = request;
    this.listener = listener;
  }

  get isRunning(): boolean {
    return this.state === 'running';
  }

  /** The child runs with `pid` (its own process group). */
  spawn(pid = 4242): this {
    this.pid = pid;
    this.state = 'running';
    this.listener.spawned(pid);
    return this;
  }

  /** The child writes bytes (stdout or stderr: they share one stream). */
  write(data: string | Uint8Array): this {
    this.listener.output(typeof data === 'string' ? Buffer.from(data) : Buffer.from(data));
    return this;
  }

  /** The shell exits; the pipes stay open until `close()` (a grandchild may hold them). */
  exit(code: number | null = 0, signal: NodeJS.Signals | null = null): this {
    this.state = 'exited';
    this.listener.exited(code, signal);
    return this;
  }

  /** Every output pipe reached end of file. */
  close(): this {
    if (this.state === 'closed') return this;
    this.state = 'closed';
    this.listener.closed();
    return this;
  }

  /** `exit(code)` then `close()`: an ordinary end. */
  finish(code = 0): this {
    return this.exit(code).close();
  }

  /** The spawn fails (bad workdir, no `sh`): nothing else follows. */
  fail(message = 'chdir /nope: no such file or directory'): this {
    this.state = 'failed';
    this.listener.failed(message, new Error(message));
    return this;
  }

  /** The port's handle, as the actor sees it. */
  readonly handle: ChildHandle = {
    signal: (signal) => {
      if (this.state === 'closed' || this.state === 'failed') return;
      this.signals.push(signal);
      if (this.onSignal === 'throw') throw new Error('kill EPERM');
      if (this.onSignal === 'ignore') return;
      if (this.state === 'running') this.exit(null, signal);
      this.close();
    },
    cutOff: () => {
      if (this.state === 'closed' || this.state === 'failed') return;
      this.cutOffs += 1;
      this.close();
    },
    write: (data, eof, done) => {
      if (this.stdinClosed || this.state !== 'running') {
        done(new Error('write EPIPE'));
        return;
      }
      this.input.push(Buffer.from(data));
      if (eof) this.stdinClosed = true;
      done(null);
    },
    resize: (cols, rows) => {
      this.resizes.push({ cols, rows });
    },
  };
}

/**
 * A Spawner whose children a test scripts step by step. By default a child does nothing until
 * told; pass `autoSpawn: true` to have every child report `spawned` at once (most supervisor
 * tests want a running process and only script its end).
 */
export class FakeSpawner implements Spawner {
  readonly children: FakeChild[] = [];
  private readonly autoSpawn: boolean;
  private nextPid: number;
  private readonly waiting: ((child: FakeChild) => void)[] = [];

  constructor(options: { autoSpawn?: boolean; firstPid?: number } = {}) {
    this.autoSpawn = options.autoSpawn ?? false;
    this.nextPid = options.firstPid ?? 10_000;
  }

  spawn(request: SpawnRequest, listener: ChildListener): ChildHandle {
    const child = new FakeChild(request, listener);
    this.children.push(child);
    if (this.autoSpawn) queueMicrotask(() => child.spawn(this.nextPid++));
    for (const resolve of this.waiting.splice(0)) resolve(child);
    return child.handle;
  }

  /** Signals sent to process groups through the port (not through a child's handle), in order. */
  readonly groupSignals: { pgid: number; signal: NodeJS.Signals }[] = [];

  /** Signals a fake group: a running child with that pid gets it; true if one was running. */
  signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
    this.groupSignals.push({ pgid, signal });
    const child = this.children.find((c) => c.pid === pgid && c.isRunning);
    if (!child) return false;
    child.handle.signal(signal);
    return true;
  }

  isGroupAlive(pgid: number): boolean {
    return this.children.some((c) => c.pid === pgid && c.isRunning);
  }

  /** The most recent child; throws if none was spawned. */
  get last(): FakeChild {
    const child = this.children.at(-1);
    if (!child) throw new Error('FakeSpawner: no child was spawned yet');
    return child;
  }

  /** Resolves with the next child spawned from now on. */
  nextChild(): Promise<FakeChild> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}
