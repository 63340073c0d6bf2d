import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Logger } from '../logger.js';
import type { GroupWatcher, TrackedGroup } from './group-watcher.js';

/**
 * The sentinel, in POSIX sh (dash: ~1 ms to start, ~1 MB). It reads one line per change from
 * the service: `a PGID TICKS` (a group and its leader's start time, 0 when unknown), `r PGID`,
 * `c` (all gone), `q` (clean shutdown: exit quietly). End of file means the service died: it
 * sends SIGTERM to every registered group still its own, polls every 0.1 s up to $1 tenths of a
 * second, SIGKILLs what is left, and exits. "Its own": the leader is the process registered
 * (same start time in /proc/PGID/stat) or gone; a live leader with another start time is a
 * stranger that reused the pid, and is left alone. It ignores SIGHUP, SIGINT and SIGTERM: a
 * stop that signals the service's whole cgroup or session (systemd's default KillMode) must not
 * take the sentinel first; it ends with its pipe anyway.
 */
const SCRIPT = `
trap '' HUP INT TERM
grace=$1
groups=' '
ours() {
  stat=
  { IFS= read -r stat < "/proc/$1/stat"; } 2>/dev/null
  [ -n "$stat" ] || return 0
  set -- "$2" \${stat##*) }
  [ "$#" -ge 21 ] && [ "\${21}" = "$1" ]
}
while read -r op pgid ticks; do
  case $op in
    a) groups="$groups$pgid:$ticks " ;;
    r) case $groups in *" $pgid:"*) rest=\${groups#*" $pgid:"}; groups="\${groups%%" $pgid:"*} \${rest#* }" ;; esac ;;
    c) groups=' ' ;;
    q) exit 0 ;;
  esac
done
targets=
for g in $groups; do
  if ours "\${g%%:*}" "\${g#*:}" && kill -s TERM -- "-\${g%%:*}" 2>/dev/null; then targets="$targets $g"; fi
done
n=0
while [ -n "$targets" ] && [ "$n" -lt "$grace" ]; do
  sleep 0.1
  n=$((n + 1))
  left=
  for g in $targets; do
    if ours "\${g%%:*}" "\${g#*:}" && kill -s 0 -- "-\${g%%:*}" 2>/dev/null; then left="$left $g"; fi
  done
  targets=$left
done
for g in $targets; do
  ours "\${g%%:*}" "\${g#*:}" && kill -s KILL -- "-\${g%%:*}" 2>/dev/null
done
exit 0
`;

/** Settings of the sentinel: the SIGTERM → SIGKILL grace it gives the groups when the service died. */
export interface GroupSentinelOptions {
  graceMs: number;
  log: Logger;
}

/** Restarts of a sentinel that died while the service ran; past it, the death is only logged. */
export const MAX_SENTINEL_RESTARTS = 5;

/**
 * A small process that outlives a killed service just long enough to end its process groups:
 * `kill -9` of the service (or of `procvisor mcp`) closes the sentinel's stdin, and the sentinel
 * kills every group it was told of (see SCRIPT). It runs detached in its own session, so a
 * Ctrl-C or a group kill aimed at the service does not reach it; its stdin and its handle are
 * unref'd, so it never keeps the service's event loop alive. Grandchildren that call `setsid`
 * leave their group and are out of its reach. `close()` (clean shutdown) makes it exit quietly.
 * If it dies while the service runs, a new one is started and told the groups it held (at most
 * MAX_SENTINEL_RESTARTS times, each logged; then an error is logged and the crash sweep remains).
 */
export class GroupSentinel implements GroupWatcher {
  private closing = false;
  private restarts = 0;
  /** The sentinel process (diagnostics and specs: closing its stdin is what a crash does). */
  child: ChildProcess;
  /** What the sentinel holds, to tell a restarted one: pgid → leader start ticks (0: unknown). */
  private readonly groups = new Map<number, number>();

  private constructor(
    private readonly graceTenths: number,
    private readonly log: Logger,
  ) {
    this.child = this.spawnChild();
  }

  /** Starts the sentinel (the spawn is asynchronous; what is written before it runs waits in the pipe). */
  static start(options: GroupSentinelOptions): GroupSentinel {
    return new GroupSentinel(Math.max(1, Math.ceil(options.graceMs / 100)), options.log);
  }

  private spawnChild(): ChildProcess {
    const { log } = this;
    const child = spawn('/bin/sh', ['-c', SCRIPT, 'procvisor-sentinel', String(this.graceTenths)], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('error', (error) => log.error({ err: error }, 'the crash sentinel failed to start; a killed service would leave its processes running'));
    child.on('exit', (code, signal) => {
      if (this.closing || child !== this.child) return;
      if (this.restarts >= MAX_SENTINEL_RESTARTS) {
        log.error({ code, signal, pid: child.pid, restarts: this.restarts }, 'the crash sentinel exited; a killed service would now leave its processes running');
        return;
      }
      this.restarts += 1;
      log.warn({ code, signal, pid: child.pid, restarts: this.restarts, groups: this.groups.size }, 'the crash sentinel exited; starting a new one');
      this.child = this.spawnChild();
      for (const [pgid, ticks] of this.groups) this.write(`a ${pgid} ${ticks}\n`);
    });
    child.stdin?.on('error', (error) => {
      if (!this.closing && child === this.child) log.warn({ err: error }, 'failed to write to the crash sentinel');
    });
    child.unref();
    (child.stdin as Socket | null)?.unref();
    return child;
  }

  /** The sentinel's pid (undefined if it could not be spawned). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  added(group: TrackedGroup): void {
    this.groups.set(group.pgid, group.startTicks ?? 0);
    this.send(`a ${group.pgid} ${group.startTicks ?? 0}\n`);
  }

  removed(pgid: number): void {
    this.groups.delete(pgid);
    this.send(`r ${pgid}\n`);
  }

  cleared(): void {
    this.groups.clear();
    this.send('c\n');
  }

  /** Clean shutdown: the sentinel forgets every group and exits. Idempotent. */
  close(): void {
    if (this.closing) return;
    this.send('q\n');
    this.closing = true;
    this.child.stdin?.end();
  }

  private send(line: string): void {
    if (!this.closing) this.write(line);
  }

  private write(line: string): void {
    const stdin = this.child.stdin;
    if (stdin === null || stdin.destroyed) return;
    stdin.write(line);
  }
}
