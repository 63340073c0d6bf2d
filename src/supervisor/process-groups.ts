import type { Logger } from '../logger.js';
import type { GroupWatcher, TrackedGroup } from '../spawn/group-watcher.js';
import { readStartTicks } from '../spawn/process-identity.js';
import type { Spawner } from '../spawn/spawner.js';

/**
 * The process groups a supervisor started, kept until they are seen gone: a background job of
 * an exited shell still lives in its group, and is killed at shutdown even after its record was
 * reaped. Only real group leaders are kept (pid > 1: a group kill of 1 would be kill(-1)).
 * This is the one place groups are registered, whatever spawner made them: every `watchers`
 * entry (the crash sentinel, the durable group table) hears of each add and removal here.
 */
export class ProcessGroups {
  private readonly groups = new Map<number, TrackedGroup>();

  constructor(
    private readonly spawner: Spawner,
    private readonly log: Logger,
    private readonly watchers: readonly GroupWatcher[] = [],
    private readonly startTicks: (pid: number) => number | null = readStartTicks,
  ) {}

  get size(): number {
    return this.groups.size;
  }

  /**
   * Tracks the group led by `pgid` (the leader's start time is read now, to tell a reused pid
   * apart). A pgid still tracked from an earlier group that died before the next prune is a
   * reused pid: the entry is replaced, and watchers hear the removal, then the new group.
   */
  add(pgid: number | null, processId: string | null = null): void {
    if (pgid === null || !Number.isInteger(pgid) || pgid <= 1) return;
    if (this.groups.has(pgid)) this.tell((watcher) => watcher.removed(pgid));
    const group: TrackedGroup = { pgid, startTicks: this.startTicks(pgid), processId };
    this.groups.set(pgid, group);
    this.tell((watcher) => watcher.added(group));
  }

  /** Forgets the groups that are gone, except `live` ones (running processes). */
  prune(live: ReadonlySet<number>): void {
    for (const pgid of this.groups.keys()) {
      if (live.has(pgid) || this.spawner.isGroupAlive(pgid)) continue;
      this.groups.delete(pgid);
      this.tell((watcher) => watcher.removed(pgid));
    }
  }

  /** The groups not in `except`. */
  others(except: ReadonlySet<number>): number[] {
    return [...this.groups.keys()].filter((pgid) => !except.has(pgid));
  }

  /** Every tracked group, oldest first (to register them with a new watcher). */
  list(): TrackedGroup[] {
    return [...this.groups.values()];
  }

  /** Signals `pgids`; a failure is logged with the group and signal, never thrown. */
  signal(pgids: Iterable<number>, signal: NodeJS.Signals): void {
    for (const pgid of pgids) {
      try {
        this.spawner.signalGroup(pgid, signal);
      } catch (error) {
        this.log.warn({ err: error, pgid, signal }, 'failed to signal a process group');
      }
    }
  }

  /** SIGKILLs every group, synchronously, and forgets them all. */
  killAll(): void {
    this.signal(this.groups.keys(), 'SIGKILL');
    this.groups.clear();
    this.tell((watcher) => watcher.cleared());
  }

  private tell(call: (watcher: GroupWatcher) => void): void {
    for (const watcher of this.watchers) {
      try {
        call(watcher);
      } catch (error) {
        this.log.error({ err: error }, 'a process-group watcher failed');
      }
    }
  }
}
