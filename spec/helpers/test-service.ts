import { loadConfig, type Config } from '../../src/config.js';
import { startService, type Service, type ServiceDeps } from '../../src/service.js';
import { createLogSink, type LogSink } from './log-sink.js';

export interface TestService extends Service {
  sink: LogSink;
  /** `fetch` against the service: `path` starts with `/`. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** POST a JSON body. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
}

/**
 * `npm run spec:node-spawner` runs the specs again with `PROCVISOR_SPAWNER=node`, so every
 * service a spec starts uses child_process instead of the native spawner (the default).
 */
function specSpawner(): Partial<Config> {
  const mode = process.env.PROCVISOR_SPAWNER;
  return mode === 'node' || mode === 'native' || mode === 'auto' ? { spawner: mode } : {};
}

/**
 * The real service on 127.0.0.1, port 0, with a capturing logger. Always `await close()` it
 * (in an `after`/`afterEach`): it kills every process group it started.
 */
export async function startTestService(overrides: Partial<Config> = {}, deps: Omit<ServiceDeps, 'config' | 'log'> = {}): Promise<TestService> {
  const config = loadConfig({}, { port: 0, host: '127.0.0.1', logLevel: 'debug', shutdownGraceMs: 500, ...specSpawner(), ...overrides });
  const sink = createLogSink(config.logLevel);
  const service = await startService({ config, log: sink.log, ...deps });
  const request = (path: string, init?: RequestInit): Promise<Response> => fetch(`${service.url}${path}`, init);
  const post = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { ...service, sink, request, post };
}
