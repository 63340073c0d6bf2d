import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { realClock, type Clock } from './clock.js';
import { assertSafeExposure, type Config } from './config.js';
import { createGitWatch, type GitWatch } from './gitwatch/git-watch.js';
import { createApp } from './http/app.js';
import { createAccessCredentials, createUpgradeCheck } from './web/auth.js';
import { createBrowserGuard } from './web/browser-guard.js';
import { clientErrorResponse } from './http/client-error-response.js';
import { InspectFeed } from './inspect/inspect-feed.js';
import type { StatelyInspector } from './inspect/stately-inspector.js';
import type { Logger } from './logger.js';
import { listen } from './ops/listen.js';
import { createServiceMetrics, type ServiceMetrics } from './ops/service-metrics.js';
import { choosePipeSpawner, createProcessSpawner } from './spawn/process-spawner.js';
import { defaultPriority } from './spawn/priority.js';
import { sweepCrashedGroups } from './store/crash-sweep.js';
import { DurableStore } from './store/durable-store.js';
import { GroupTable } from './store/group-table.js';
import { openDatabase } from './store/open-database.js';
import { GroupSentinel } from './spawn/group-sentinel.js';
import type { GroupWatcher } from './spawn/group-watcher.js';
import { readBootId } from './spawn/process-identity.js';
import type { Spawner } from './spawn/spawner.js';
import type { EnvHook } from './supervisor/environment.js';
import { SpillStore } from './supervisor/spill-store.js';
import { Supervisor } from './supervisor/supervisor.js';
import { createProcfsProbe } from './procfs/procfs-probe.js';

/** A running procvisor: its supervisor, its HTTP server, and the address it listens on. */
export interface Service {
  supervisor: Supervisor;
  server: Server;
  /** Git watch: the path store and the `/api/v0/git/watch` WebSocket server. */
  gitWatch: GitWatch;
  /** Prometheus metrics. */
  metrics: ServiceMetrics;
  /** `http://host:port`, with the real port when the config said 0, or `unix:/path` for a socket. */
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
 * Environment variables about the service's own secrets: no supervised process inherits them.
 * The token file's path is no secret (the file is the service user's, and so are the commands),
 * but nothing is gained by pointing every command at it.
 */
const SERVICE_SECRETS = ['PROCVISOR_AUTH_TOKEN', 'PROCVISOR_AUTH_TOKEN_FILE'];

function withoutServiceSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (!SERVICE_SECRETS.some((name) => name in env)) return env;
  const copy = { ...env };
  for (const name of SERVICE_SECRETS) delete copy[name];
  return copy;
}

/**
 * Starts the service: supervisor + Koa app on one HTTP server, on TCP or a Unix socket (see
 * ops/listen.ts). Refuses a network-reachable host without a token (assertSafeExposure), and
 * rejects with LISTEN_FAILED when it cannot listen. Server timeouts only govern
 * receiving requests (`requestTimeout`, `headersTimeout`) and idle keep-alive; socket inactivity
 * (`server.timeout`) stays 0, because it would cut a 5-minute long poll.
 */
export async function startService(deps: ServiceDeps): Promise<Service> {
  const { config, log } = deps;
  assertSafeExposure(config);
  // Before anything is opened: a `spawner: "native"` that cannot load refuses to start.
  const spawner = deps.spawner ?? createServiceSpawner(config, log);
  const clock = deps.clock ?? realClock;
  // Durable state (dataDir set): exited processes, client tokens and chat paths survive restarts.
  const db = config.dataDir === null ? null : openDatabase(config.dataDir, log);
  const store = db === null ? null : new DurableStore(db, {
    log,
    clock,
    maxBytes: config.maxDatabaseBytes,
    maxPathRows: config.pathStoreMaxChats * config.pathStoreMaxPathsPerChat,
  });
  // Process groups are watched only with the real spawner: an injected (fake) spawner's group
  // ids are not real, and a sentinel or a sweep would signal whatever process has that pid.
  const realGroups = deps.spawner === undefined;
  const groupWatchers: GroupWatcher[] = [];
  let swept: ReadonlySet<string> = new Set();
  if (db !== null && realGroups) {
    // Crash sweep: what a killed earlier run (and its sentinel) left running ends before anything starts.
    const bootId = readBootId();
    const table = new GroupTable(db, log, bootId);
    swept = (await sweepCrashedGroups(table.recorded(), { bootId, graceMs: config.killGraceMs, log })).processIds;
    table.cleared();
    groupWatchers.push(table);
  }
  // The crash sentinel: a kill -9 of this process takes every process group it started along.
  const sentinel = realGroups ? GroupSentinel.start({ graceMs: config.killGraceMs, log }) : null;
  if (sentinel) groupWatchers.push(sentinel);
  // Off by default, and then nothing of the inspector is even loaded.
  const stately = config.inspectorUrl === null ? null : await startStatelyInspector(config.inspectorUrl, log);
  const spill = config.spillOutput
    ? new SpillStore({ dataDir: config.dataDir, limits: { maxBytesPerProcess: config.spillMaxBytesPerProcess, maxBytesTotal: config.spillMaxBytesTotal }, log })
    : null;
  const supervisor = new Supervisor({
    spawner,
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
    exitedStreamKeepMs: config.exitedStreamKeepMs,
    probe: config.processWatch && process.platform === 'linux' ? createProcfsProbe() : null,
    inputWatch: { settleMs: config.inputSettleMs },
    portScanMs: config.portScanMs,
    maxEventHistory: config.maxEventHistory,
    // A process the service runs must not be able to read the service's own token.
    serviceEnv: () => withoutServiceSecrets(process.env),
    ...(store ? { store } : {}),
    ...(spill ? { spill } : {}),
    ...(stately ? { inspect: stately.inspect } : {}),
    groupWatchers,
  });
  if (store) supervisor.restore(store.load(config.reapAfterMs, swept));
  const metrics = createServiceMetrics(supervisor, { sweptAtStart: swept.size });
  metrics.setStreamReaderSource(() => supervisor.stats().streamReaders);
  // Tickets (and view sessions) issued over HTTP, redeemed there and by the git watch upgrade.
  const credentials = createAccessCredentials(clock);
  // One Host / Origin check for the HTTP routes and the git watch upgrade alike.
  const browserGuard = createBrowserGuard({ host: config.host, allowedHosts: config.allowedHosts, allowedOrigins: config.allowedOrigins });
  // Git watch: fed by process exits, served on the same port (HTTP routes + WebSocket upgrades).
  const gitWatch = createGitWatch(config, {
    onProcessExit: (listener) => supervisor.onProcessExit(listener),
    log,
    clock,
    guard: browserGuard,
    ...(config.authToken ? { authorize: createUpgradeCheck(config.authToken, credentials.tickets) } : {}),
  });
  if (store) {
    for (const { chatId, path } of store.loadPaths()) gitWatch.store.addPaths([chatId], [path]);
    gitWatch.store.onPathsAdded((chatIds, paths) => store.pathsAdded(chatIds, paths));
  }
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
  const app = createApp({
    supervisor,
    log,
    maxWaitMs: config.maxWaitMs,
    maxBodyBytes: config.maxBodyBytes,
    maxEventStreams: config.maxEventStreams,
    authToken: config.authToken,
    metrics,
    pathStore: gitWatch.store,
    browserGuard,
    credentials,
    ...(inspectFeed ? { inspectFeed } : {}),
  });
  const handle = app.callback();
  const receiveTimeoutMs = Math.min(config.headersTimeoutMs, config.requestTimeoutMs);
  // Node checks those timeouts every connectionsCheckingInterval (30 s by default, longer than
  // the timeouts themselves); a quarter of the shorter one keeps the overshoot small and the scan rare.
  const connectionsCheckingInterval = Math.min(30_000, Math.max(10, Math.floor(receiveTimeoutMs / 4)));
  const server = createServer({ connectionsCheckingInterval }, (req, res) => {
    // Koa answers its own errors; this only catches a failure of that machinery itself.
    handle(req, res).catch((error: unknown) => log.error({ err: error }, 'request handling failed'));
  });
  server.timeout = 0;
  server.requestTimeout = config.requestTimeoutMs;
  server.headersTimeout = receiveTimeoutMs;
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  gitWatch.attach(server);
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    log.debug({ err: error }, 'client connection error');
    // Only when nothing of a response went out yet, as Node's own handler does.
    if (socket.writable && (socket as Socket).bytesWritten === 0) socket.end(clientErrorResponse(error));
    else socket.destroy();
  });
  let url: string;
  try {
    url = await listen(server, config);
  } catch (error) {
    metrics.close();
    await Promise.all([supervisor.close(), gitWatch.close()]);
    sentinel?.close();
    store?.close();
    spill?.close();
    // The inspector's socket would keep the process alive after a failed start.
    await stately?.stop();
    throw error;
  }
  server.on('error', (error) => log.error({ err: error }, 'http server error'));
  // Announced only now: a socket's mode is already 0600.
  log.info({ url, auth: config.authToken !== null, ...(inspectFeed ? { inspect_url: `${url}/inspect` } : {}) }, 'procvisor listening');

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Event streams never finish by themselves: end them now, or server.close() waits for the cut-off.
      inspectFeed?.close();
      // Processes end first: that wakes every blocking wait, whose responses then finish.
      // Upgraded git-watch sockets are not the HTTP server's to close: git watch closes them.
      await Promise.all([supervisor.close(), gitWatch.close()]);
      // Every group is dead now: the sentinel may go quietly.
      sentinel?.close();
      // After the supervisor, so the inspector still sends the processes' exits.
      await stately?.stop();
      // Whatever is still open after the answers went out (a slow client) is cut.
      const cutOff = setTimeout(() => server.closeAllConnections(), 1000);
      await serverClosed;
      clearTimeout(cutOff);
      metrics.close();
      // Last: every process has exited and been queued for writing.
      store?.close();
      spill?.close();
    })();
    return closing;
  };
  return { supervisor, server, gitWatch, metrics, url, close };
}

/** The configured spawner; says once which pipe spawner runs, and why it is not the native one. */
function createServiceSpawner(config: Config, log: Logger): Spawner {
  const priority = config.processPriority ? defaultPriority({ oomScoreAdj: config.oomScoreAdj, nice: config.niceScore }) : null;
  const pipes = choosePipeSpawner(config.spawner, { priority });
  if (pipes.fallbackReason !== null) log.warn({ spawner: pipes.kind, reason: pipes.fallbackReason }, 'native spawner unavailable; using child_process');
  else log.info({ spawner: pipes.kind }, 'pipe spawner selected');
  return createProcessSpawner({ priority, pipes: pipes.spawner });
}

async function startStatelyInspector(url: string, log: Logger): Promise<StatelyInspector> {
  const { createStatelyInspector } = await import('./inspect/stately-inspector.js');
  log.info({ url }, 'publishing actor inspection events to a stately inspector');
  return createStatelyInspector({ url, log });
}
