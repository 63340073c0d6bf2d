import { stat } from 'node:fs/promises';
import { dirname, isAbsolute } from 'node:path';
import type { GitRunner } from './git-runner.js';

/**
 * Resolves paths to the roots of their innermost git repositories, deduplicated and sorted.
 * A path that is not an existing directory stands for its parent (a file, or a deleted file);
 * `git rev-parse --show-toplevel` then finds the nearest repository, with symlinks resolved.
 * Relative paths, paths outside any repository and git failures are skipped silently: a chat
 * touches plenty of directories that are not repositories. Rejects only when `signal` aborts.
 */
export async function resolveRepoRoots(paths: readonly string[], git: GitRunner, signal: AbortSignal): Promise<string[]> {
  const dirs = new Set<string>();
  for (const path of paths) {
    if (!isAbsolute(path)) continue;
    dirs.add((await isDirectory(path)) ? path : dirname(path));
  }
  const roots = new Set<string>();
  for (const dir of dirs) {
    signal.throwIfAborted();
    try {
      const output = await git.run(dir, ['rev-parse', '--show-toplevel'], { maxStdoutBytes: 8192, signal });
      const root = output.stdout.toString('utf8').trim();
      if (root !== '') roots.add(root);
    } catch {
      signal.throwIfAborted();
    }
  }
  return [...roots].sort();
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
