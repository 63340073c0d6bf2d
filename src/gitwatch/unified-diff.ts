import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { ProcvisorError } from '../errors.js';
import { formatIecBytes } from './iec-bytes.js';
import type { GitRunner } from './git-runner.js';

/**
 * Untracked files diffed one git process each, at most; a repository with more (usually a
 * missing .gitignore for a dependency folder) gets the too-large placeholder instead of
 * thousands of git processes per scan.
 */
export const MAX_UNTRACKED_DIFFS = 1000;

/** Untracked files past the cap whose size is added to the placeholder's total, at most. */
const MAX_SIZED_FILES = 10_000;

/** A diff's output is counted (not kept) up to this many times the cap, then git is killed. */
const COUNT_FACTOR = 16;

const DIFF_FLAGS = ['--no-color', '--no-ext-diff', '--no-textconv', '--src-prefix=a/', '--dst-prefix=b/'];

/**
 * The repository's changes as one unified diff: `git diff <HEAD or the empty tree>` (staged and
 * unstaged; a repository without commits diffs against the empty tree, so its staged files show)
 * followed by `git diff --no-index /dev/null <file>` per untracked, non-ignored file. Binary
 * files carry git's `Binary files … differ` line. Over `maxDiffBytes` in total, the text is the
 * reference's placeholder with the size. Rejects with GIT_FAILED or the abort reason.
 */
export async function collectUnifiedDiff(root: string, git: GitRunner, maxDiffBytes: number, signal: AbortSignal): Promise<string> {
  const parts: Buffer[] = [];
  let totalBytes = 0;
  let lowerBound = false;
  const keep = (stdout: Buffer, bytes: number, truncated: boolean): void => {
    if (totalBytes + bytes <= maxDiffBytes) parts.push(stdout);
    totalBytes += bytes;
    if (truncated && bytes >= maxDiffBytes * COUNT_FACTOR) lowerBound = true;
  };
  const limits = (): { maxStdoutBytes: number; killAfterBytes: number; signal: AbortSignal } => ({
    maxStdoutBytes: Math.max(0, maxDiffBytes - totalBytes) + 1,
    killAfterBytes: maxDiffBytes * COUNT_FACTOR,
    signal,
  });

  const base = await diffBase(root, git, signal);
  const tracked = await git.run(root, ['diff', ...DIFF_FLAGS, base, '--'], limits());
  keep(tracked.stdout, tracked.stdoutBytes, tracked.truncated);

  const listing = await git.run(root, ['ls-files', '--others', '--exclude-standard', '-z'], { maxStdoutBytes: maxDiffBytes, signal });
  if (listing.truncated) lowerBound = true;
  // An untracked nested repository is listed as `dir/`; it is a root of its own.
  const untracked = listing.stdout.toString('utf8').split('\0').filter((name) => name !== '' && !name.endsWith('/'));
  if (untracked.length > MAX_UNTRACKED_DIFFS || listing.truncated) totalBytes = Math.max(totalBytes, maxDiffBytes + 1);
  let sized = 0;
  for (const name of untracked) {
    signal.throwIfAborted();
    if (totalBytes > maxDiffBytes) {
      // Past the cap only the size matters, and a file's size is close to its diff's.
      if (sized++ >= MAX_SIZED_FILES) {
        lowerBound = true;
        break;
      }
      totalBytes += await fileSize(join(root, name));
      continue;
    }
    try {
      const output = await git.run(root, ['diff', '--no-index', ...DIFF_FLAGS, '--', '/dev/null', name], { ...limits(), okExitCodes: [0, 1] });
      keep(output.stdout, output.stdoutBytes, output.truncated);
    } catch (error) {
      // The file went away between the listing and its diff: it simply has no diff now.
      if (signal.aborted || !(error instanceof ProcvisorError)) throw error;
    }
  }
  if (totalBytes > maxDiffBytes) {
    return `Total diff too large to show. Size: ${lowerBound ? 'at least ' : ''}${formatIecBytes(totalBytes)}. Showing branch and remote only.`;
  }
  return Buffer.concat(parts).toString('utf8');
}

/** `HEAD` when it names a commit, else the empty tree (hash depends on the repository's format). */
async function diffBase(root: string, git: GitRunner, signal: AbortSignal): Promise<string> {
  const head = await git.run(root, ['rev-parse', '-q', '--verify', 'HEAD^{commit}'], { maxStdoutBytes: 256, okExitCodes: [0, 1], signal });
  if (head.exitCode === 0) return 'HEAD';
  const empty = await git.run(root, ['hash-object', '-t', 'tree', '/dev/null'], { maxStdoutBytes: 256, signal });
  return empty.stdout.toString('utf8').trim();
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await lstat(path)).size;
  } catch {
    return 0;
  }
}
