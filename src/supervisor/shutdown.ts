import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { sendTerminate } from './process-commands.js';
import type { ProcessGroups } from './process-groups.js';
import type { ProcessRegistry } from './process-registry.js';

export interface ShutdownDeps {
  registry: ProcessRegistry;
  groups: ProcessGroups;
  clock: Clock;
  log: Logger;
  shutdownGraceMs: number;
}

/**
 * Ends everything a supervisor started: SIGTERM to every running process (its machine escalates
 * to SIGKILL after `shutdownGraceMs`) and to every other group it tracks (running or not: a
 * background grandchild of an exited shell is still ours), SIGKILL to those after the grace;
 * resolves when every running actor reached `exited`, after killing whatever is left in the
 * groups. The caller refuses new starts first. Records stay readable.
 */
export async function shutdownProcesses(deps: ShutdownDeps): Promise<void> {
  const { registry, groups, clock, log, shutdownGraceMs } = deps;
  const running = registry.all().filter((record) => record.running);
  log.info({ running: running.length, groups: groups.size }, 'supervisor closing');
  // Running processes escalate SIGTERM → SIGKILL in their own machines; the groups of exited
  // shells (background jobs that let go of the pipes) are signalled here.
  for (const record of running) {
    try {
      sendTerminate(record, shutdownGraceMs, 'shutdown');
    } catch (error) {
      record.log.error({ err: error }, 'failed to terminate a process during shutdown');
    }
  }
  const lingering = groups.others(registry.runningPids());
  groups.signal(lingering, 'SIGTERM');
  const grace = clock.setTimeout(() => groups.signal(lingering, 'SIGKILL'), shutdownGraceMs);
  await Promise.all(running.map((record) => record.exited));
  clock.clearTimeout(grace);
  // Whatever is left in our groups dies now.
  groups.killAll();
  log.info('supervisor closed');
}
