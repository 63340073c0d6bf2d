/**
 * The service under test, in its own process: `startService` with port 0 on 127.0.0.1, the
 * level from LOG_LEVEL (default warn), and the config overrides given as JSON in argv[2].
 * Forked by the bench driver (IPC): reports `{type:'ready', url}`, answers `stats` with the
 * supervisor's counts and the process memory, runs diagnostic `probe`s (see lib/ipc.ts) and
 * closes the service on `close`.
 */
import { loadConfig, type Config } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startService } from '../src/service.js';
import { memoryStats, sendToParent, serveParent, type ProbeRequest } from './lib/ipc.js';
import { HeadRing } from './lib/head-tail.js';
import { rawSpawn, sequentialSlot } from './lib/load.js';

async function main(): Promise<void> {
  const overrides = JSON.parse(process.argv[2] ?? '{}') as Partial<Config>;
  const config = loadConfig(process.env, {
    host: '127.0.0.1',
    port: 0,
    logLevel: (process.env.LOG_LEVEL as Config['logLevel'] | undefined) ?? 'warn',
    ...overrides,
  });
  const log = createLogger({ level: config.logLevel });
  const service = await startService({ config, log });
  const { supervisor } = service;
  process.on('exit', () => supervisor.killAllGroups());

  const probe = (request: ProbeRequest): Promise<number[]> => {
    const task =
      request.kind === 'raw'
        ? (): Promise<void> => {
            const store = new HeadRing(config.headBytes, config.tailBytes);
            const options = { ...(request.detached === undefined ? {} : { detached: request.detached }), ...(request.nice === undefined ? {} : { nice: request.nice }) };
            return rawSpawn(request.command, (chunk) => store.write(chunk), options);
          }
        : async (): Promise<void> => {
            const record = await supervisor.start({ command: request.command });
            const outcome = await supervisor.waitForExit(record, 60_000);
            if (outcome !== 'exited') throw new Error(`probe: wait ended with ${outcome}`);
          };
    return sequentialSlot(request.ms, task, request.count);
  };

  serveParent({
    stats: () => {
      const s = supervisor.stats();
      return { held: s.waiters, exited: s.exited, running: s.running, ...memoryStats() };
    },
    close: () => service.close(),
    probe,
  });
  sendToParent({ type: 'ready', url: service.url });
}

main().catch((error: unknown) => {
  sendToParent({ type: 'error', message: String(error) });
  process.stderr.write(`bench/serve: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
