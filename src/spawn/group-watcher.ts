/**
 * A process group a supervisor started: its id, the start time of its leader (clock ticks
 * since boot, null when the leader was gone before it could be read; see process-identity.ts)
 * and the process it belongs to.
 */
export interface TrackedGroup {
  pgid: number;
  startTicks: number | null;
  processId: string | null;
}

/**
 * Told of every process group a supervisor tracks, whichever spawner made it (pipe, terminal or
 * native): the crash sentinel and the durable store's group table implement it. Calls are
 * notifications, made synchronously and in order; they must not throw.
 */
export interface GroupWatcher {
  added(group: TrackedGroup): void;
  /** The group is gone (or was killed); forget it. */
  removed(pgid: number): void;
  /** Every group was killed (shutdown); forget them all. */
  cleared(): void;
}
