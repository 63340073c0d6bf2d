import { readFileSync, writeFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** The OOM score adjustment and niceness every child gets (Linux). */
export interface PrioritySettings {
  oomScoreAdj: number;
  nice: number;
}

/**
 * The reference's defaults, from the service's own values: OOM score 0 if the service's is
 * negative, 1000 if it is already ≥ 998, else 998 (children die before the service); niceness
 * the service's + 5, at most 19. Explicit values win. Null when not on Linux.
 */
export function defaultPriority(explicit: { oomScoreAdj?: number | null; nice?: number | null } = {}): PrioritySettings | null {
  if (process.platform !== 'linux') return null;
  const own = ownOomScoreAdj();
  const oomScoreAdj = explicit.oomScoreAdj ?? (own < 0 ? 0 : own >= 998 ? 1000 : 998);
  const nice = explicit.nice ?? Math.min(19, getPriority() + 5);
  return { oomScoreAdj, nice };
}

function ownOomScoreAdj(): number {
  try {
    return Number(readFileSync('/proc/self/oom_score_adj', 'utf8').trim());
  } catch {
    return 0; // no procfs: assume the kernel default
  }
}

/**
 * Applies `settings` to a just-spawned child, before its shell has had time to fork. Returns
 * the failures (never throws): they are logged, never fatal, as in the reference.
 */
export function applyPriority(pid: number, settings: PrioritySettings): Error[] {
  const failures: Error[] = [];
  try {
    writeFileSync(`/proc/${pid}/oom_score_adj`, String(settings.oomScoreAdj));
  } catch (error) {
    failures.push(new Error(`set oom_score_adj of ${pid} to ${settings.oomScoreAdj}: ${(error as Error).message}`, { cause: error }));
  }
  try {
    setPriority(pid, settings.nice);
  } catch (error) {
    failures.push(new Error(`set nice of ${pid} to ${settings.nice}: ${(error as Error).message}`, { cause: error }));
  }
  return failures;
}
