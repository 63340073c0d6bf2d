import type { RepoChanges } from '../protocol/git-watch-messages.js';
import type { RepoState } from './repo-scan.js';

export type { RepoChanges, WatchMessage } from '../protocol/git-watch-messages.js';

/** Wire form of a scanned repository: empty origin and diff are omitted, as Go's omitempty does. */
export function toRepoChanges(state: RepoState): RepoChanges {
  return {
    repo_root: state.repoRoot,
    branch: state.branch,
    ...(state.remoteOrigin === '' ? {} : { remote_origin: state.remoteOrigin }),
    ...(state.unifiedDiff === '' ? {} : { unified_diff: state.unifiedDiff }),
  };
}

/** Wire form of a repository that is gone. */
export function removedRepo(repoRoot: string): RepoChanges {
  return { repo_root: repoRoot, branch: '', removed: true };
}

/** RFC 3339 in UTC with trailing zero fractions dropped, as Go's time.Time marshals. */
export function formatScannedAt(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.?0+Z$/, 'Z');
}
