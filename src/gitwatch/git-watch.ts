import type { Server } from 'node:http';
import type { Clock } from '../clock.js';
import type { BrowserGuard } from '../web/browser-guard.js';
import type { Logger } from '../logger.js';
import type { UpgradeCheck } from '../protocol/bearer-verdict.js';
import { feedPathsFromProcessExits, type OnProcessExit } from './exit-path-feed.js';
import { GitRunner } from './git-runner.js';
import { GitWatchServer, type GitWatchStats } from './git-watch-server.js';
import { PathStore } from './path-store.js';

/** The git-watch settings of the service config (see config.ts for each one's meaning and bound). */
export interface GitWatchSettings {
  gitPath: string;
  gitCommandTimeoutMs: number;
  gitMaxConcurrentCommands: number;
  gitWatchPollIntervalMs: number;
  gitWatchCooldownMs: number;
  gitWatchPingIntervalMs: number;
  gitWatchMaxDiffBytes: number;
  gitWatchMaxMessageDiffBytes: number;
  gitWatchMaxSockets: number;
  pathStoreMaxChats: number;
  pathStoreMaxPathsPerChat: number;
}

/** Git watch as the service holds it: the path store (for the HTTP routes) and the WebSocket side. */
export interface GitWatch {
  store: PathStore;
  /** Answers `/api/v0/git/watch` upgrades on `server`. */
  attach(server: Server): void;
  /** Open sockets, scans of the open sockets, and git processes running for them. */
  stats(): GitWatchStats;
  /** Stops feeding the store, closes every socket; resolves when no timer or git process is left. */
  close(): Promise<void>;
}

/** Wires the path store to process exits and builds the WebSocket server over one git runner. */
export function createGitWatch(
  settings: GitWatchSettings,
  deps: { onProcessExit: OnProcessExit; log: Logger; clock: Clock; guard?: BrowserGuard; authorize?: (authorization: string | undefined, ticket: string | null) => UpgradeCheck },
): GitWatch {
  const log = deps.log.child({ component: 'git-watch' });
  const store = new PathStore(
    { maxChats: settings.pathStoreMaxChats, maxPathsPerChat: settings.pathStoreMaxPathsPerChat },
    (error) => log.error({ err: error }, 'a path-store listener failed'),
  );
  const stopFeed = feedPathsFromProcessExits(deps.onProcessExit, store);
  const git = new GitRunner({ gitPath: settings.gitPath, commandTimeoutMs: settings.gitCommandTimeoutMs, maxConcurrent: settings.gitMaxConcurrentCommands });
  const server = new GitWatchServer({
    store,
    git,
    clock: deps.clock,
    log,
    cooldownMs: settings.gitWatchCooldownMs,
    pollIntervalMs: settings.gitWatchPollIntervalMs,
    pingIntervalMs: settings.gitWatchPingIntervalMs,
    maxDiffBytes: settings.gitWatchMaxDiffBytes,
    maxMessageDiffBytes: settings.gitWatchMaxMessageDiffBytes,
    maxSockets: settings.gitWatchMaxSockets,
    ...(deps.guard ? { guard: deps.guard } : {}),
    ...(deps.authorize ? { authorize: deps.authorize } : {}),
  });
  return {
    store,
    attach: (httpServer) => server.attach(httpServer),
    stats: () => server.stats(),
    close: async () => {
      stopFeed();
      await server.close();
    },
  };
}
