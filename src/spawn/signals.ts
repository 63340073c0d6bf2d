import { constants } from 'node:os';

/**
 * Signal names of the API and the OS signal each one sends: the reference's `kill` and
 * `terminate`, plus `interrupt`, `hangup`, `quit`, `user1` and `user2`.
 */
export const API_SIGNALS = {
  kill: 'SIGKILL',
  terminate: 'SIGTERM',
  interrupt: 'SIGINT',
  hangup: 'SIGHUP',
  quit: 'SIGQUIT',
  user1: 'SIGUSR1',
  user2: 'SIGUSR2',
} as const satisfies Record<string, NodeJS.Signals>;

export type ApiSignal = keyof typeof API_SIGNALS;

/**
 * Sends `signal` to the process group led by `pgid`. Returns false when the group no longer
 * exists (ESRCH), true when it was signalled; throws on any other error (EPERM, a bad signal).
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  // kill(-1) signals every process the caller may signal, and kill(-0) the caller's own group:
  // never let a bad pid (a fake spawner's, a corrupt record's) turn into either.
  if (!Number.isInteger(pgid) || pgid <= 1) throw new RangeError(`refusing to signal process group ${pgid}`);
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** True while any process of the group led by `pgid` is alive. */
export function groupAlive(pgid: number): boolean {
  try {
    return signalGroup(pgid, 0);
  } catch {
    // EPERM: it exists but belongs to someone else now (pid reuse); it is not ours to track.
    return false;
  }
}

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(Object.entries(constants.signals).map(([name, number]) => [number, name as NodeJS.Signals]));

/** The name of signal number `signo` (`SIGTERM` for 15), or null for one Node does not know. */
export function signalName(signo: number): NodeJS.Signals | null {
  return SIGNAL_NAMES.get(signo) ?? null;
}
