import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';

/**
 * True when the repository at `root` is gone for good rather than briefly unreadable: the root
 * is missing, its `.git` is missing, or `.git` is a file (a worktree or submodule) whose
 * `gitdir:` target no longer exists. Anything else (a corrupt HEAD mid-rewrite, a lock, a
 * timeout) is transient, and the caller keeps watching. Called only after a scan failed.
 */
export async function isRepoGone(root: string): Promise<boolean> {
  if (!(await exists(root))) return true;
  const dotGit = join(root, '.git');
  let info;
  try {
    info = await stat(dotGit);
  } catch (error) {
    return isMissing(error);
  }
  if (info.isDirectory()) return false;
  let text: string;
  try {
    text = await readFile(dotGit, 'utf8');
  } catch {
    return false;
  }
  const match = /^gitdir:\s*(.+?)\s*$/m.exec(text);
  if (!match?.[1]) return true;
  const gitdir = isAbsolute(match[1]) ? match[1] : resolve(root, match[1]);
  return !(await exists(gitdir));
}

/** Only "no such file" counts as gone; a permission error is someone else's problem. */
function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    return !isMissing(error);
  }
}
