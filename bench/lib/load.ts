import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { nowMs } from './stats.js';

/**
 * Runs `task` back to back (one at a time) for `ms` milliseconds, and at least `minCount`
 * times; returns each task's latency in ms. A failing task fails the slot.
 */
export async function sequentialSlot(ms: number, task: () => Promise<unknown>, minCount = 10): Promise<number[]> {
  const latencies: number[] = [];
  const end = nowMs() + ms;
  while (nowMs() < end || latencies.length < minCount) {
    const t0 = nowMs();
    await task();
    latencies.push(nowMs() - t0);
  }
  return latencies;
}

/** Runs `task` `count` times with at most `concurrency` in flight. */
export async function pool(count: number, concurrency: number, task: (i: number) => Promise<unknown>, stopAt = Infinity): Promise<number> {
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < count && nowMs() < stopAt) {
      const i = next++;
      await task(i);
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return done;
}

/**
 * The runtime floor of a spawn: `child_process.spawn('sh', ['-c', command])` with piped stdout
 * and stderr (drained), resolved on 'close'. Rejects on a spawn error or a non-zero exit.
 * `nice` gives the child that niceness (as the service's `processPriority` does).
 */
export function rawSpawn(command: string, onData?: (chunk: Buffer) => void, options: { detached?: boolean; nice?: number } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached ?? false });
    // Set right after the spawn returns, as the service sets its children's niceness.
    if (options.nice !== undefined && child.pid !== undefined) setPriority(child.pid, options.nice);
    const sink = onData ?? ((): void => undefined);
    child.stdout.on('data', sink);
    child.stderr.on('data', sink);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`sh -c ${command}: exit ${code} ${signal ?? ''}`));
    });
  });
}
