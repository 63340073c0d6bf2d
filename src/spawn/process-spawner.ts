import type { Spawner } from './spawner.js';
import { createPipeSpawner } from './pipe-spawner.js';
import type { PrioritySettings } from './priority.js';
import { createPtySpawner } from './pty-spawner.js';
import { groupAlive, signalGroup } from './signals.js';

/**
 * The service's spawner: requests with `pty` go to the node-pty spawner, all others to the pipe
 * spawner. Both put the child in its own process group and apply `priority`.
 */
export function createProcessSpawner(options: { priority?: PrioritySettings | null } = {}): Spawner {
  const pipes = createPipeSpawner(options);
  const terminals = createPtySpawner(options);
  return {
    spawn: (request, listener) => (request.pty ? terminals : pipes).spawn(request, listener),
    signalGroup,
    isGroupAlive: groupAlive,
  };
}
