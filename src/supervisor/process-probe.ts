/** A TCP socket in LISTEN state: its port and the local address it is bound to. */
export interface ListeningSocket {
  port: number;
  /** `0.0.0.0`, `127.0.0.1`, `::`, `::1`, … */
  address: string;
}

/**
 * What the supervisor asks the OS about its running process groups: whether one waits for
 * input, and which TCP ports it listens on. The procfs probe (src/procfs/procfs-probe.ts)
 * answers from Linux's /proc; specs of the timing logic may pass their own. No method throws:
 * a process that is gone, or a /proc that cannot be read, reads as "nothing".
 */
export interface ProcessProbe {
  /**
   * What the input of the process group led by `pid` is, as descriptor targets: the leader's
   * stdin (`socket:[N]`, `/dev/pts/N`), plus `/dev/tty` for a terminal. Null if it cannot be
   * read or is not of the expected kind now (the shell has fd 0 redirected for a command).
   * Asked when first needed, not at the spawn: a terminal child sets its descriptors up
   * after the fork, and a shell may already run a redirection by the time the spawn is
   * reported.
   */
  inputTargets(pid: number, terminal: boolean): ReadonlySet<string> | null;
  /** True when a process of the tree led by `leaderPid` is blocked reading one of `targets`. */
  waitsForInput(leaderPid: number, targets: ReadonlySet<string>): boolean;
  /** Every listening TCP socket of the machine's network namespace, by inode. */
  listeningSockets(): Map<number, ListeningSocket>;
  /** The socket inodes open in the tree led by `leaderPid`. */
  socketInodes(leaderPid: number): number[];
}
