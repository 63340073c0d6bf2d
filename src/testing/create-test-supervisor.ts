import { Writable } from 'node:stream';
import { SimulatedClock } from 'xstate';
import { createLogger, type Logger } from '../logger.js';
import { Supervisor, type SupervisorOptions } from '../supervisor/supervisor.js';
import { FakeSpawner } from './fake-spawner.js';

/** A supervisor wired to a fake spawner and a simulated clock, plus the captured log lines. */
export interface TestSupervisor {
  supervisor: Supervisor;
  spawner: FakeSpawner;
  /** Advance it with `clock.increment(ms)`: drain cut-offs, reaping and wait caps fire. */
  clock: SimulatedClock;
  log: Logger;
  /** Every log line, parsed. */
  logLines: Record<string, unknown>[];
}

/**
 * Builds a Supervisor that runs no real process and reads no real time: children come from a
 * FakeSpawner (auto-spawned unless `autoSpawn: false`), time from xstate's SimulatedClock
 * (starting at `startAtMs`, default 2026-01-01). Any SupervisorOptions can be overridden.
 */
export function createTestSupervisor(
  options: Partial<Omit<SupervisorOptions, 'spawner' | 'clock' | 'log'>> & { autoSpawn?: boolean; startAtMs?: number } = {},
): TestSupervisor {
  const { autoSpawn = true, startAtMs = Date.UTC(2026, 0, 1), ...rest } = options;
  const clock = new SimulatedClock();
  clock.set(startAtMs);
  const spawner = new FakeSpawner({ autoSpawn });
  const logLines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') logLines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const log = createLogger({ level: 'debug' }, destination);
  const supervisor = new Supervisor({ home: () => '/home/test', serviceEnv: () => ({ PATH: '/usr/bin:/bin' }), ...rest, spawner, clock, log });
  return { supervisor, spawner, clock, log, logLines };
}
