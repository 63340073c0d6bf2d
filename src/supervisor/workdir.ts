import { statSync } from 'node:fs';
import { homedir } from 'node:os';

/**
 * The working directory of a new process: an explicit `requested` directory as given (not
 * checked: a missing one makes the spawn fail), else the configured directory when it is an
 * existing directory, else the home directory, else `''` (inherit the service's cwd).
 */
export function resolveWorkdir(requested: string | undefined, configured: string | null, home: () => string = homedir): string {
  if (requested !== undefined && requested !== '') return requested;
  if (configured !== null && configured !== '' && isDirectory(configured)) return configured;
  try {
    return home();
  } catch {
    return '';
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
