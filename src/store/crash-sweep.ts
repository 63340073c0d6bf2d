import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.js';
import { isSameGroup, listGroupMembers, type GroupMember } from '../spawn/process-identity.js';
import { signalGroup } from '../spawn/signals.js';
import type { RecordedGroup } from './group-table.js';

/** How often the sweep looks whether the groups it sent SIGTERM are gone. */
const POLL_MS = 50;

/** What one sweep found and ended. */
export interface SweepResult {
  /** The groups still alive from the earlier run, with what ran in them. */
  groups: { pgid: number; processId: string | null; members: GroupMember[]; startTicks: number | null }[];
  /** The ids of the processes whose groups were swept (their records end as `swept`). */
  processIds: Set<string>;
}

/**
 * The crash sweep: ends the process groups an earlier run recorded and did not end (it was
 * killed, and its sentinel too, e.g. with its container). A group is only touched when it is
 * provably that run's: same boot (`bootId`), and its leader is the process that started at the
 * recorded time or gone (see isSameGroup), so a reused pid is never signalled. Sends SIGTERM,
 * then SIGKILL to what is left after `graceMs`; logs what was swept. Never throws: a group that
 * cannot be signalled is logged and skipped.
 */
export async function sweepCrashedGroups(recorded: readonly RecordedGroup[], options: { bootId: string | null; graceMs: number; log: Logger }): Promise<SweepResult> {
  const { log } = options;
  const found: SweepResult['groups'] = [];
  for (const group of recorded) {
    if (group.bootId === null || group.bootId !== options.bootId) continue; // the machine rebooted: that run's groups died with it
    if (!isSameGroup(group.pgid, group.startTicks)) continue;
    const members = listGroupMembers(group.pgid);
    if (members.length > 0) found.push({ pgid: group.pgid, processId: group.processId, members, startTicks: group.startTicks });
  }
  const processIds = new Set(found.flatMap((group) => (group.processId === null ? [] : [group.processId])));
  if (found.length === 0) return { groups: found, processIds };
  log.warn({ groups: found.map((group) => ({ pgid: group.pgid, process_id: group.processId, members: group.members })) }, 'sweeping process groups left running by a killed earlier run');
  const send = (groups: SweepResult['groups'], signal: NodeJS.Signals): void => {
    for (const { pgid } of groups) {
      try {
        signalGroup(pgid, signal);
      } catch (error) {
        log.warn({ err: error, pgid, signal }, 'failed to signal a swept process group');
      }
    }
  };
  // Checked again before each signal: a group that ended may not be signalled under a reused id.
  const stillOurs = (group: SweepResult['groups'][number]): boolean => isSameGroup(group.pgid, group.startTicks) && listGroupMembers(group.pgid, 1).length > 0;
  let alive = found;
  send(alive, 'SIGTERM');
  const deadline = performance.now() + options.graceMs;
  while (alive.length > 0 && performance.now() < deadline) {
    await sleep(POLL_MS);
    alive = alive.filter(stillOurs);
  }
  send(alive.filter(stillOurs), 'SIGKILL');
  log.info({ swept: found.length, killed: alive.length, process_ids: [...processIds] }, 'swept process groups of a killed earlier run');
  return { groups: found, processIds };
}
