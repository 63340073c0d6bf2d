import type { RepoState } from './repo-scan.js';

/** One repository in a `changes` message (the reference's `RepoChanges`, field for field). */
export interface RepoChanges {
  repo_root: string;
  /** Always present; empty when HEAD is detached or the repository was removed. */
  branch: string;
  remote_origin?: string;
  unified_diff?: string;
  removed?: boolean;
}

/** Agent → client messages. `scanned_at` is RFC 3339 UTC; `repositories` is omitted on a heartbeat. */
export type WatchMessage =
  | { type: 'changes'; scanned_at: string; repositories?: RepoChanges[] }
  | { type: 'error'; message: string };

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
