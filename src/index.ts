// procvisor's public API for library users (`import … from 'procvisor'`): run the service, or
// embed a supervisor. Only what those two uses need is exported; the HTTP app, auth helpers,
// metric factories and other internals are not part of the package's contract. The SDK, chat
// tools and testing kit are the separate entry points `procvisor/client`, `/tools`, `/testing`.
export { loadConfig, type Config } from './config.js';
export { ProcvisorError, type ErrorCode } from './errors.js';
import { ProcvisorError } from './errors.js';
/** @deprecated The error of every layer (config, routing, start-up too): use ProcvisorError; this alias goes in the next major version. */
export const SupervisorError = ProcvisorError;
/** @deprecated Use ProcvisorError. */
export type SupervisorError = ProcvisorError;
export { createLogger, type Logger } from './logger.js';
export { realClock, type Clock } from './clock.js';
export { startService, type Service, type ServiceDeps } from './service.js';
export type { GitWatch } from './gitwatch/git-watch.js';
export type { ServiceMetrics } from './ops/service-metrics.js';
export { createProcessSpawner } from './spawn/process-spawner.js';
export { createPipeSpawner } from './spawn/pipe-spawner.js';
export type { Spawner, SpawnRequest, ChildHandle, ChildListener } from './spawn/spawner.js';
export { Supervisor, type SupervisorOptions, type StartRequest, type ChatIdentity, type SupervisorStats } from './supervisor/supervisor.js';
export type { EnvHook } from './supervisor/environment.js';
export type { RenderedOutput, Truncation } from './supervisor/head-tail-buffer.js';
export type { ExitReason } from './protocol/exit-reasons.js';
export type { ProcessInfoWire, ProcessOutputWire } from './protocol/response-schemas.js';
