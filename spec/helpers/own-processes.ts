import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The variable that marks every process this spec run starts. */
export const SPEC_RUN_VARIABLE = 'PROCVISOR_SPEC_RUN';

// Set when the first spec file imports this module, before any spec runs: services started in
// this process, the children they spawn and spawned processes' grandchildren inherit it (even
// one re-parented to init keeps its environment). Specs that give a child an explicit
// environment add SPEC_RUN_ENV to it.
process.env[SPEC_RUN_VARIABLE] ??= `${process.pid}-${randomUUID()}`;
const marker = `${SPEC_RUN_VARIABLE}=${process.env[SPEC_RUN_VARIABLE]}`;

/** The marker as an environment fragment, for children started with an explicit environment. */
export const SPEC_RUN_ENV: Readonly<Record<string, string>> = { [SPEC_RUN_VARIABLE]: process.env[SPEC_RUN_VARIABLE] };

/**
 * Pids (newline-separated, '' for none) of the processes whose command line matches `pattern`
 * (`pgrep -f`) and that this spec run started (their environment holds the run's marker), so
 * that suites running at the same time on one machine (other worktrees) do not see each
 * other's `sleep 34.5`. A process that ends while being checked is left out.
 */
export function pgrepOwn(pattern: string): string {
  let out: string;
  try {
    out = execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' });
  } catch {
    return ''; // pgrep exits 1 when nothing matches
  }
  return out
    .split('\n')
    .filter((pid) => pid !== '' && startedByThisRun(pid))
    .join('\n');
}

function startedByThisRun(pid: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(marker);
  } catch {
    return false;
  }
}
