import { accessSync, constants, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

/** PATH when the child's environment has none: what libuv's execvp falls back to. */
const DEFAULT_PATH = '/usr/bin:/bin';
/** Resolved PATH strings kept (a service sees very few distinct ones); the map is cleared past it. */
export const SHELL_PATH_CACHE_ENTRIES = 32;

const cache = new Map<string, string>();

/**
 * Where `sh` is for a child whose environment has `pathVar` as PATH and whose working directory
 * is `cwd` (relative PATH entries are relative to it), or null when no entry holds an executable
 * `sh`. posix_spawnp would search the *service's* PATH, not the child's, hence this. Hits are
 * cached per PATH (absolute entries only); a cached shell that vanished makes the spawn fail
 * with ENOENT and `forgetShellPath` drops it.
 */
export function resolveShellPath(pathVar: string | undefined, cwd: string): string | null {
  const path = pathVar ?? DEFAULT_PATH;
  const cached = cache.get(path);
  if (cached !== undefined) return cached;
  let cacheable = true;
  for (const entry of path.split(':')) {
    if (!isAbsolute(entry)) cacheable = false;
    const candidate = join(entry === '' ? '.' : entry, 'sh');
    const full = isAbsolute(candidate) ? candidate : join(cwd === '' ? process.cwd() : cwd, candidate);
    if (!isExecutableFile(full)) continue;
    if (cacheable) {
      if (cache.size >= SHELL_PATH_CACHE_ENTRIES) cache.clear();
      cache.set(path, full);
    }
    return full;
  }
  return null;
}

/** Drops the cached shell for `pathVar` (it failed to run). */
export function forgetShellPath(pathVar: string | undefined): void {
  cache.delete(pathVar ?? DEFAULT_PATH);
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
