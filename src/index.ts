// procvisor's public API for library users: run the service, or embed a supervisor.
export { loadConfig, type Config } from './config.js';
export { SupervisorError, type ErrorCode } from './errors.js';
export { createLogger, type Logger } from './logger.js';
export { realClock, type Clock } from './clock.js';
export { startService, type Service, type ServiceDeps } from './service.js';
export { createApp, type AppDeps } from './http/app.js';
export { createBearerCheck, constantTimeEqual, type BearerVerdict } from './http/auth.js';
export { createServiceMetrics, type ServiceMetrics } from './ops/service-metrics.js';
export { createPipeSpawner } from './spawn/pipe-spawner.js';
export type { Spawner, SpawnRequest, ChildHandle, ChildListener } from './spawn/spawner.js';
export { Supervisor, type SupervisorOptions, type StartRequest, type ChatIdentity, type SupervisorStats } from './supervisor/supervisor.js';
export type { EnvHook } from './supervisor/environment.js';
export { HeadTailBuffer, type RenderedOutput, type Truncation } from './supervisor/head-tail-buffer.js';
export { processMachine } from './supervisor/process-machine.js';
export type { ExitReason } from './supervisor/exit-reason.js';
export { toProcessInfo, toProcessOutput, type ProcessInfoWire, type ProcessOutputWire } from './supervisor/process-view.js';
