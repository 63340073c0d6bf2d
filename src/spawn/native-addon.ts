import { createRequire } from 'node:module';

/**
 * The typed face of the C addon (native/spawn.c, built by node-gyp into build/Release). This is
 * the only module that loads it; everything else sees `NativeAddon` or the reason it is missing.
 */
export interface NativeAddon {
  /**
   * posix_spawn of `file` (an absolute path) in its own process group, with default signal
   * dispositions, an empty mask and no service fd but 0/1/2. Returns `[pid, stdinFd, outFd,
   * errFd]` (stdinFd -1 without `stdinPipe`); the caller owns the fds. `onExit(code, signal)`
   * runs once on the loop when the child exited (one of the two is -1). Throws an Error whose
   * `code` is the errno name (ENOENT for a missing cwd or program).
   */
  spawn(file: string, argv: string[], envp: string[], cwd: string, stdinPipe: boolean, onExit: (code: number, signal: number) => void): [number, number, number, number];
  /** True when the kernel has pidfd_open (Linux 5.3+). */
  hasPidfd(): boolean;
}

/** The addon, or why it cannot be used here. */
export type NativeAddonLoad = { addon: NativeAddon; reason: null } | { addon: null; reason: string };

// From src/spawn/ and from a compiled dist/spawn/ or dist/src/spawn/.
const CANDIDATES = ['../../build/Release/procvisor_spawn.node', '../../../build/Release/procvisor_spawn.node'];

let loaded: NativeAddonLoad | undefined;

/** Loads the addon once (later calls return the same answer); never throws. */
export function loadNativeAddon(): NativeAddonLoad {
  loaded ??= tryLoad();
  return loaded;
}

function tryLoad(): NativeAddonLoad {
  if (process.platform !== 'linux') return { addon: null, reason: `the native spawner is Linux-only (this is ${process.platform})` };
  const require = createRequire(import.meta.url);
  const failures: string[] = [];
  for (const path of CANDIDATES) {
    let addon: NativeAddon;
    try {
      addon = require(path) as NativeAddon;
    } catch (error) {
      failures.push(`${path}: ${(error as Error).message.split('\n')[0] ?? ''}`);
      continue;
    }
    if (!addon.hasPidfd()) return { addon: null, reason: 'the kernel lacks pidfd_open (Linux 5.3+)' };
    return { addon, reason: null };
  }
  return { addon: null, reason: `the addon did not load (was it built? \`npm run build:native\`): ${failures.join('; ')}` };
}
