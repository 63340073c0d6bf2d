import type { ProcessRecord } from './process-record.js';
import type { ProcessRegistry } from './process-registry.js';

/** The bounds on exited records that reaping enforces. */
export interface ReapSettings {
  reapAfterMs: number;
  maxExitedRecords: number;
  exitedStreamKeepMs: number;
}

/**
 * Drops exited records older than `reapAfterMs` (strictly), then the oldest exited records
 * beyond `maxExitedRecords`; releases the stream windows of records exited longer than
 * `exitedStreamKeepMs` (memory: measured ~40 KiB of heap per record otherwise, and a bigger
 * heap makes every fork slower). `now` is epoch ms of the supervisor's clock. Returns how many
 * records it dropped. Running records are never touched.
 */
export function reapExited(registry: ProcessRegistry, now: number, settings: ReapSettings): number {
  const kept: ProcessRecord[] = [];
  let dropped = 0;
  for (const record of registry.values()) {
    const exitedAt = record.snapshot.context.exitedAt;
    if (exitedAt === null) continue;
    if (now - exitedAt > settings.reapAfterMs) {
      // Deleting the current entry while iterating a Map is safe: the iteration goes on.
      registry.drop(record);
      dropped += 1;
    } else {
      if (now - exitedAt > settings.exitedStreamKeepMs) record.snapshot.context.buffer.releaseWindow();
      kept.push(record);
    }
  }
  const excess = kept.length - settings.maxExitedRecords;
  if (excess > 0) {
    kept.sort((a, b) => (a.snapshot.context.exitedAt ?? 0) - (b.snapshot.context.exitedAt ?? 0));
    for (const record of kept.slice(0, excess)) registry.drop(record);
    dropped += excess;
  }
  return dropped;
}
