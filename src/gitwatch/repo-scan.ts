import { ProcvisorError } from '../errors.js';
import type { GitRunner } from './git-runner.js';
import { isRepoGone } from './repo-removal.js';
import { collectUnifiedDiff } from './unified-diff.js';

/** What one scan saw of a repository. */
export interface RepoState {
  repoRoot: string;
  /** Empty when HEAD is detached. */
  branch: string;
  /** Empty when there is no `origin` remote. */
  remoteOrigin: string;
  unifiedDiff: string;
}

export type RepoScanResult =
  | { kind: 'ok'; state: RepoState }
  /** The repository is gone for good (see isRepoGone); the watcher says so once and forgets it. */
  | { kind: 'removed' }
  /** A transient failure: the repository stays watched. */
  | { kind: 'failed'; error: ProcvisorError };

/**
 * Scans one repository root: checks it is still the top level of a repository, then reads the
 * branch, the `origin` URL and the unified diff. A failed git command becomes `removed` when the
 * repository is gone and `failed` otherwise. Rejects only with the abort reason.
 */
export async function scanRepo(root: string, git: GitRunner, maxDiffBytes: number, signal: AbortSignal): Promise<RepoScanResult> {
  try {
    const top = (await git.run(root, ['rev-parse', '--show-toplevel'], { maxStdoutBytes: 8192, signal })).stdout.toString('utf8').trim();
    // With its .git deleted, a nested repository's directory resolves to the outer repository.
    if (top !== root) throw new ProcvisorError('GIT_FAILED', 'Not a repository root any more.', { detail: `${root} now belongs to ${top}` });
    const branch = await git.run(root, ['symbolic-ref', '-q', '--short', 'HEAD'], { maxStdoutBytes: 4096, okExitCodes: [0, 1], signal });
    const origin = await git.run(root, ['config', '--get', 'remote.origin.url'], { maxStdoutBytes: 8192, okExitCodes: [0, 1], signal });
    const unifiedDiff = await collectUnifiedDiff(root, git, maxDiffBytes, signal);
    return {
      kind: 'ok',
      state: {
        repoRoot: root,
        branch: branch.exitCode === 0 ? branch.stdout.toString('utf8').trim() : '',
        remoteOrigin: origin.exitCode === 0 ? origin.stdout.toString('utf8').trim() : '',
        unifiedDiff,
      },
    };
  } catch (error) {
    signal.throwIfAborted();
    if (!(error instanceof ProcvisorError)) throw error;
    return (await isRepoGone(root)) ? { kind: 'removed' } : { kind: 'failed', error };
  }
}
