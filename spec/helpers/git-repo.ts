import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The environment of the tests' own git commands: no global or system config (a developer's
 * `diff.noprefix` or `commit.gpgsign` must not change a test), no inherited `GIT_*`, no prompts.
 */
export const TEST_GIT_ENV: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('GIT_'))),
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
};

/** Runs git in `cwd` and returns its stdout. Throws with git's stderr on failure. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: TEST_GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A fresh directory under the OS temp dir, with symlinks resolved (git reports real paths). */
export function tempDir(prefix = 'procvisor-git-'): string {
  return realpathSync(mkdtempSync(join(tmpdir(), prefix)));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * `git init` in `dir` on branch `main` with a per-repository identity; unless `commit` is false,
 * a first commit holding `README.md` ("hello\n").
 */
export function initRepo(dir: string, { commit = true }: { commit?: boolean } = {}): string {
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.name', 'Procvisor Test');
  git(dir, 'config', 'user.email', 'test@procvisor.invalid');
  git(dir, 'config', 'commit.gpgsign', 'false');
  if (commit) {
    writeFileSync(join(dir, 'README.md'), 'hello\n');
    git(dir, 'add', 'README.md');
    git(dir, 'commit', '-q', '-m', 'initial');
  }
  return dir;
}
