import type Database from 'better-sqlite3';
import type { Logger } from '../logger.js';
import type { GroupWatcher, TrackedGroup } from '../spawn/group-watcher.js';

/** A process group recorded by a previous run, with the boot it ran in. */
export interface RecordedGroup extends TrackedGroup {
  bootId: string | null;
}

interface GroupRow {
  pgid: number;
  start_ticks: number | null;
  process_id: string | null;
  boot_id: string | null;
}

/**
 * The `process_groups` table: every process group the service tracks, committed as it is added
 * or removed (one small autocommit each, no batching: a group must be on disk before a crash
 * can leave it behind). A clean shutdown empties it, so what a start-up finds there is what a
 * killed run left for the crash sweep. Failures are logged with the group, never thrown.
 */
export class GroupTable implements GroupWatcher {
  private readonly insert;
  private readonly remove;
  private readonly clear;

  constructor(
    private readonly db: Database.Database,
    private readonly log: Logger,
    private readonly bootId: string | null,
  ) {
    this.insert = db.prepare('INSERT OR REPLACE INTO process_groups (pgid, start_ticks, process_id, boot_id) VALUES (?, ?, ?, ?)');
    this.remove = db.prepare('DELETE FROM process_groups WHERE pgid = ?');
    this.clear = db.prepare('DELETE FROM process_groups');
  }

  /** The groups recorded by earlier runs (read before this run adds any). */
  recorded(): RecordedGroup[] {
    const rows = this.db.prepare('SELECT pgid, start_ticks, process_id, boot_id FROM process_groups ORDER BY rowid').all() as GroupRow[];
    return rows.map((row) => ({ pgid: row.pgid, startTicks: row.start_ticks, processId: row.process_id, bootId: row.boot_id }));
  }

  added(group: TrackedGroup): void {
    this.run(() => this.insert.run(group.pgid, group.startTicks, group.processId, this.bootId), group.pgid);
  }

  removed(pgid: number): void {
    this.run(() => this.remove.run(pgid), pgid);
  }

  cleared(): void {
    this.run(() => this.clear.run(), null);
  }

  private run(write: () => unknown, pgid: number | null): void {
    if (!this.db.open) return;
    try {
      write();
    } catch (error) {
      this.log.error({ err: error, pgid }, 'failed to record a process group in durable state');
    }
  }
}
