import { runService } from './run-service.js';

/**
 * Entry point of `npm start`: the service with the zero-configuration defaults (plus whatever
 * `PROCVISOR_*` and `PROCVISOR_CONFIG` say), until SIGINT/SIGTERM; see runService.
 */
runService().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`procvisor: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
