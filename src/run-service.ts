import { loadConfig, type Config } from './config.js';
import { ProcvisorError } from './errors.js';
import { createLogger } from './logger.js';
import { startService, type Service } from './service.js';

export interface RunServiceOptions {
  /** Where the configuration comes from (`PROCVISOR_*`, `PROCVISOR_CONFIG`); default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Settings that win over the files and the environment (command-line flags). */
  overrides?: Partial<Config>;
  /** Where start-up refusals are written; default `process.stderr`. */
  stderr?: NodeJS.WritableStream;
}

/**
 * Runs the service as a program: loads the configuration, starts the service, and on SIGINT or
 * SIGTERM shuts it down cleanly (stop accepting, terminate every process group, let blocking
 * waits answer, close). Resolves with the exit code: 0 after a clean shutdown, 2 for a bad
 * configuration or a data directory of a newer procvisor, 1 when it cannot listen or the
 * shutdown failed. A second signal during the
 * shutdown SIGKILLs every process group at once instead of waiting out `shutdownGraceMs`.
 * Shared by `npm start` (src/main.ts) and `procvisor serve`.
 */
export async function runService(options: RunServiceOptions = {}): Promise<number> {
  const stderr = options.stderr ?? process.stderr;
  let config: Config;
  try {
    config = loadConfig(options.env ?? process.env, options.overrides ?? {});
  } catch (error) {
    stderr.write(`procvisor: ${describe(error)}\n`);
    return 2;
  }
  // Read once into the config; gone from the environment that git and anything else inherit.
  delete process.env.PROCVISOR_AUTH_TOKEN;
  const log = createLogger({ level: config.logLevel });
  let service: Service;
  try {
    service = await startService({ config, log });
  } catch (error) {
    // A start-up refusal (LISTEN_FAILED, DATA_DIR_NEWER): say what and why, without a stack.
    log.fatal({ err: error, ...(error instanceof ProcvisorError ? { code: error.code } : {}) }, 'procvisor failed to start');
    log.flush();
    stderr.write(`procvisor: ${error instanceof ProcvisorError ? describe(error) : `failed to start: ${String((error as Error).stack ?? error)}`}\n`);
    // A data directory of a newer procvisor is a setup problem, like a bad setting: retrying cannot help.
    return error instanceof ProcvisorError && (error.code === 'DATA_DIR_NEWER' || error.code === 'CONFIG_INVALID') ? 2 : 1;
  }
  // Last line of defence: if the service dies on an uncaught error, its process groups die too.
  const killGroups = (): void => service.supervisor.killAllGroups();
  process.on('exit', killGroups);
  let received: NodeJS.Signals | null = null;
  let stop: (signal: NodeJS.Signals) => void = () => undefined;
  const stopped = new Promise<NodeJS.Signals>((resolve) => (stop = resolve));
  const onSignal = (signal: NodeJS.Signals): void => {
    if (received === null) {
      received = signal;
      stop(signal);
      return;
    }
    log.warn({ signal }, 'second signal: killing every process group now');
    killGroups();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    log.info({ signal: await stopped }, 'shutting down');
    await service.close();
    log.info('shutdown complete');
    return 0;
  } catch (error) {
    log.error({ err: error }, 'shutdown failed');
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', killGroups);
    log.flush();
  }
}

function describe(error: unknown): string {
  const detail = error instanceof ProcvisorError && error.detail ? `\n${error.detail}` : '';
  return `${(error as Error).message}${detail}`;
}
