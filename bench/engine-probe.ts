/**
 * Spawn engines in one process of a given size: `sh -c true` started and awaited to 'closed'
 * through the native spawner (the Spawner port), the child_process pipe spawner (same port),
 * and raw `child_process.spawn` → 'close'. Slots rotated per round; prints one JSON line
 * `{ rssMiB, p50: { native: [...], pipe: [...], raw: [...] } }` (ms per round).
 *
 *   node --import tsx bench/engine-probe.ts --touch-mib=1024 --slot-ms=800 --rounds=3
 */
import { loadNativeAddon } from '../src/spawn/native-addon.js';
import { createNativeSpawner } from '../src/spawn/native-spawner.js';
import { createPipeSpawner } from '../src/spawn/pipe-spawner.js';
import type { Spawner } from '../src/spawn/spawner.js';
import { rawSpawn, sequentialSlot } from './lib/load.js';
import { percentile } from './lib/stats.js';

const arg = (name: string, fallback: number): number => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const touchMiB = arg('touch-mib', 0);
const slotMs = arg('slot-ms', 800);
const rounds = arg('rounds', 3);

// The service's size: touched Buffers (RSS the fork of child_process copies page tables of).
const held: Buffer[] = [];
for (let i = 0; i < touchMiB / 64; i++) held.push(Buffer.alloc(64 << 20, 1));

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
function viaPort(spawner: Spawner): () => Promise<void> {
  return () =>
    new Promise<void>((resolve, reject) => {
      spawner.spawn(
        { command: 'true', cwd: '', env },
        { spawned: () => undefined, output: () => undefined, exited: () => undefined, closed: resolve, failed: (message) => reject(new Error(message)) },
      );
    });
}

const load = loadNativeAddon();
if (!load.addon) throw new Error(`native spawner unavailable: ${load.reason}`);
const tasks = { native: viaPort(createNativeSpawner(load.addon)), pipe: viaPort(createPipeSpawner()), raw: () => rawSpawn('true') };
type Kind = keyof typeof tasks;
const kinds = Object.keys(tasks) as Kind[];
const p50: Record<Kind, number[]> = { native: [], pipe: [], raw: [] };
for (const kind of kinds) await sequentialSlot(200, tasks[kind]); // warm-up
for (let round = 0; round < rounds; round++) {
  for (let k = 0; k < kinds.length; k++) {
    const kind = kinds[(k + round) % kinds.length] ?? 'native';
    p50[kind].push(percentile(await sequentialSlot(slotMs, tasks[kind]), 50));
  }
}
process.stdout.write(`${JSON.stringify({ rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20), p50, held: held.length })}\n`);
