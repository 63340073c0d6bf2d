import { readFileSync } from 'node:fs';

/** Processes a tree walk visits at most, the leader included. */
export const MAX_TREE_PROCESSES = 32;

/**
 * The pids of `leaderPid` and its descendants, breadth first, at most `maxProcesses`. Read from
 * `/proc/<pid>/task/<pid>/children` (Linux ≥ 3.5, CONFIG_PROC_CHILDREN), so the cost follows the
 * size of this tree, never the number of processes on the machine. Children forked by a thread
 * other than the main one, and orphans re-parented away, are not seen. A process gone mid-walk
 * is skipped; an empty array means the leader is gone (or /proc cannot be read).
 */
export function processTree(leaderPid: number, maxProcesses = MAX_TREE_PROCESSES): number[] {
  const found: number[] = [];
  const queue = [leaderPid];
  while (queue.length > 0 && found.length < maxProcesses) {
    const pid = queue.shift() as number;
    let children: string;
    try {
      children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1');
    } catch {
      continue; // gone between the parent's listing and now
    }
    found.push(pid);
    for (const child of children.split(' ')) if (child !== '' && child !== '\n') queue.push(Number(child));
  }
  return found;
}
