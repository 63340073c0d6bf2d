import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import { createApp } from './http/app.js';
import type { Logger } from './logger.js';
import { createProcessSpawner } from './spawn/process-spawner.js';
import { defaultPriority } from './spawn/priority.js';
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
  const supervisor = new Supervisor({
    spawner: deps.spawner ?? createProcessSpawner({ priority: config.processPriority ? defaultPriority({ oomScoreAdj: config.oomScoreAdj, nice: config.niceScore }) : null }),
    log,
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(deps.envHook ? { envHook: deps.envHook } : {}),
    buffer: {
      headBytes: config.headBytes,
      tailBytes: config.tailBytes,
      maxLineBytes: config.maxLineBytes,
      streamWindowBytes: config.streamWindowBytes,
      exitedStreamBytes: config.exitedStreamBytes,
    },
    workdir: config.workdir,
    drainTimeoutMs: config.drainTimeoutMs,
    reapAfterMs: config.reapAfterMs,
    reapIntervalMs: config.reapIntervalMs,
    maxExitedRecords: config.maxExitedRecords,
    listLimit: config.listLimit,
    shutdownGraceMs: config.shutdownGraceMs,
    killGraceMs: config.killGraceMs,
  });
  const app = createApp({ supervisor, log, maxWaitMs: config.maxWaitMs, maxBodyBytes: config.maxBodyBytes });
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
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => log.error({ err: error }, 'http server error'));
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  log.info({ url }, 'procvisor listening');

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Processes end first: that wakes every blocking wait, whose responses then finish.
      await supervisor.close();
      // Whatever is still open after the answers went out (a slow client) is cut.
      const cutOff = setTimeout(() => server.closeAllConnections(), 1000);
      await serverClosed;
      clearTimeout(cutOff);
    })();
    return closing;
  };
  return { supervisor, server, url, close };
}
