import { ProcvisorError } from '../errors.js';
import { loadNativeAddon, type NativeAddonLoad } from './native-addon.js';
import { createNativeSpawner } from './native-spawner.js';
import { createPipeSpawner } from './pipe-spawner.js';
import type { PrioritySettings } from './priority.js';
import { createPtySpawner } from './pty-spawner.js';
import { groupAlive, signalGroup } from './signals.js';
import type { Spawner } from './spawner.js';

/** Which implementation starts pipe processes: `auto` prefers the native addon, falling back to child_process. */
export type SpawnerMode = 'auto' | 'native' | 'node';

/** The pipe spawner in use, and why it is not the native one (null when it is, or when `node` was asked for). */
export interface PipeSpawnerChoice {
  spawner: Spawner;
  kind: 'native' | 'node';
  fallbackReason: string | null;
}

/**
 * Picks the pipe spawner for `mode`: `node` is child_process; `native` is the addon and throws
 * INVALID_REQUEST (a configuration error) when it cannot load; `auto` is the addon when it loads
 * and the kernel has pidfd_open, else child_process with the reason in `fallbackReason`.
 * `load` is injectable so the fallback is testable on a machine where the addon loads.
 */
export function choosePipeSpawner(
  mode: SpawnerMode,
  options: { priority?: PrioritySettings | null } = {},
  load: () => NativeAddonLoad = loadNativeAddon,
): PipeSpawnerChoice {
  if (mode === 'node') return { spawner: createPipeSpawner(options), kind: 'node', fallbackReason: null };
  const loaded = load();
  if (loaded.addon) return { spawner: createNativeSpawner(loaded.addon, options), kind: 'native', fallbackReason: null };
  if (mode === 'native') throw new ProcvisorError('INVALID_REQUEST', `The native spawner was configured (spawner: "native") but cannot be used: ${loaded.reason}. Set spawner to "auto" or "node".`);
  return { spawner: createPipeSpawner(options), kind: 'node', fallbackReason: loaded.reason };
}

/**
 * The service's spawner: requests with `pty` go to the node-pty spawner, all others to the pipe
 * spawner `pipes` (child_process by default). Both put the child in its own process group and
 * apply `priority`.
 */
export function createProcessSpawner(options: { priority?: PrioritySettings | null; pipes?: Spawner } = {}): Spawner {
  const pipes = options.pipes ?? createPipeSpawner(options);
  const terminals = createPtySpawner(options);
  return {
    spawn: (request, listener) => (request.pty ? terminals : pipes).spawn(request, listener),
    signalGroup,
    isGroupAlive: groupAlive,
  };
}
