import type { Logger } from '../logger.js';
import type { Spawner } from '../spawn/spawner.js';

/**
 * The process groups a supervisor started, kept until they are seen gone: a background job of
 * an exited shell still lives in its group, and is killed at shutdown even after its record was
 * reaped. Only real group leaders are kept (pid > 1: a group kill of 1 would be kill(-1)).
 */
export class ProcessGroups {
  private readonly groups = new Set<number>();

  constructor(
    private readonly spawner: Spawner,
    private readonly log: Logger,
  ) {}

  get size(): number {
    return this.groups.size;
  }

  add(pgid: number | null): void {
    if (pgid !== null && Number.isInteger(pgid) && pgid > 1) this.groups.add(pgid);
  }

  /** Forgets the groups that are gone, except `live` ones (running processes). */
  prune(live: ReadonlySet<number>): void {
    for (const pgid of this.groups) if (!live.has(pgid) && !this.spawner.isGroupAlive(pgid)) this.groups.delete(pgid);
  }

  /** The groups not in `except`. */
  others(except: ReadonlySet<number>): number[] {
    return [...this.groups].filter((pgid) => !except.has(pgid));
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
    this.signal(this.groups, 'SIGKILL');
    this.groups.clear();
  }
}
