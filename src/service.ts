import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import { createApp } from './http/app.js';
import { InspectFeed } from './inspect/inspect-feed.js';
import type { StatelyInspector } from './inspect/stately-inspector.js';
import type { Logger } from './logger.js';
import { createPipeSpawner } from './spawn/pipe-spawner.js';
import type { Spawner } from './spawn/spawner.js';
import type { EnvHook } from './supervisor/environment.js';
import { Supervisor } from './supervisor/supervisor.js';

/** A running procvisor: its supervisor, its HTTP server, and the address it listens on. */
export interface Service {
  supervisor: Supervisor;
  server: Server;
  /** `http://host:port`, with the real port when the config said 0. */
  url: string;
  /**
   * Stops accepting connections, terminates every process group, releases every waiter, and
   * closes the server. Idempotent.
   */
  close(): Promise<void>;
}

export interface ServiceDeps {
  config: Config;
  log: Logger;
  spawner?: Spawner;
  clock?: Clock;
  envHook?: EnvHook;
}

/**
 * Starts the service: supervisor + Koa app on one HTTP server. Server timeouts only govern
 * receiving requests (`requestTimeout`, `headersTimeout`) and idle keep-alive; socket inactivity
 * (`server.timeout`) stays 0, because it would cut a 5-minute long poll.
 */
export async function startService(deps: ServiceDeps): Promise<Service> {
  const { config, log } = deps;
  // Off by default, and then nothing of the inspector is even loaded.
  const stately = config.inspectorUrl === null ? null : await startStatelyInspector(config.inspectorUrl, log);
  const supervisor = new Supervisor({
    spawner: deps.spawner ?? createPipeSpawner(),
    log,
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(deps.envHook ? { envHook: deps.envHook } : {}),
    buffer: { headBytes: config.headBytes, tailBytes: config.tailBytes, maxLineBytes: config.maxLineBytes },
    workdir: config.workdir,
    drainTimeoutMs: config.drainTimeoutMs,
    reapAfterMs: config.reapAfterMs,
    reapIntervalMs: config.reapIntervalMs,
    maxExitedRecords: config.maxExitedRecords,
    listLimit: config.listLimit,
    shutdownGraceMs: config.shutdownGraceMs,
    ...(stately ? { inspect: stately.inspect } : {}),
  });
  const inspectFeed = config.inspectPage
    ? new InspectFeed({
        supervisor,
        log,
        maxProcesses: config.inspectMaxProcesses,
        maxClients: config.inspectMaxClients,
        // Past the ring's size the last N held bytes would reach back into the head.
        tailBytes: Math.min(config.inspectTailBytes, config.tailBytes),
      })
    : undefined;
  const app = createApp({ supervisor, log, maxWaitMs: config.maxWaitMs, maxBodyBytes: config.maxBodyBytes, ...(inspectFeed ? { inspectFeed } : {}) });
  const handle = app.callback();
  const server = createServer((req, res) => {
    // Koa answers its own errors; this only catches a failure of that machinery itself.
    handle(req, res).catch((error: unknown) => log.error({ err: error }, 'request handling failed'));
  });
  server.timeout = 0;
  server.requestTimeout = config.requestTimeoutMs;
  server.headersTimeout = Math.min(config.headersTimeoutMs, config.requestTimeoutMs);
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  server.on('clientError', (error, socket) => {
    log.debug({ err: error }, 'client connection error');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    // The inspector's socket would keep the process alive after a failed start.
    await stately?.stop();
    throw error;
  }
  server.on('error', (error) => log.error({ err: error }, 'http server error'));
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  log.info({ url, ...(inspectFeed ? { inspect_url: `${url}/inspect` } : {}) }, 'procvisor listening');

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Event streams never finish by themselves: end them now, or server.close() waits for the cut-off.
      inspectFeed?.close();
      // Processes end first: that wakes every blocking wait, whose responses then finish.
      await supervisor.close();
      // After the supervisor, so the inspector still sends the processes' exits.
      await stately?.stop();
      // Whatever is still open after the answers went out (a slow client) is cut.
      const cutOff = setTimeout(() => server.closeAllConnections(), 1000);
      await serverClosed;
      clearTimeout(cutOff);
    })();
    return closing;
  };
  return { supervisor, server, url, close };
}

async function startStatelyInspector(url: string, log: Logger): Promise<StatelyInspector> {
  const { createStatelyInspector } = await import('./inspect/stately-inspector.js');
  log.info({ url }, 'publishing actor inspection events to a stately inspector');
  return createStatelyInspector({ url, log });
}
