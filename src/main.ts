import { loadConfig } from './config.js';
import { SupervisorError } from './errors.js';
import { createLogger } from './logger.js';
import { startService } from './service.js';

/**
 * Entry point: load and validate the config, start the service, and shut down cleanly on
 * SIGINT/SIGTERM (stop accepting, terminate every process group, release waiters, exit 0).
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    const detail = error instanceof SupervisorError && error.detail ? `\n${error.detail}` : '';
    process.stderr.write(`procvisor: ${(error as Error).message}${detail}\n`);
    process.exit(2);
  }
  // Read once into the config; gone from the environment that git and anything else inherit.
  delete process.env.PROCVISOR_AUTH_TOKEN;
  const log = createLogger({ level: config.logLevel });
  let service;
  try {
    service = await startService({ config, log });
  } catch (error) {
    if (!(error instanceof SupervisorError)) throw error;
    // A start-up refusal (LISTEN_FAILED): say what and why, without a stack.
    log.fatal({ err: error, code: error.code }, 'procvisor failed to start');
    log.flush();
    process.stderr.write(`procvisor: ${error.message}${error.detail ? `\n${error.detail}` : ''}\n`);
    process.exitCode = 1;
    return;
  }
  // Last line of defence: if the service dies on an uncaught error, its process groups die too.
  process.on('exit', () => service.supervisor.killAllGroups());
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    service.close().then(
      () => {
        log.info('shutdown complete');
        log.flush();
        process.exitCode = 0;
      },
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`procvisor: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
