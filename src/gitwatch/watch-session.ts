import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { GitRunner } from './git-runner.js';
import type { PathStore } from './path-store.js';
import { resolveRepoRoots } from './repo-root.js';
import { scanRepo } from './repo-scan.js';
import { ScanScheduler } from './scan-scheduler.js';
import { formatScannedAt, removedRepo, toRepoChanges, type RepoChanges, type WatchMessage } from './watch-messages.js';

/** Repositories one watcher follows at most; roots resolved past it are ignored (and logged). */
export const MAX_WATCHED_REPOS = 256;

/** Settings of a watch session; times are on `clock`, sizes in bytes. */
export interface WatchSessionOptions {
  chatId: string;
  store: PathStore;
  git: GitRunner;
  clock: Clock;
  log: Logger;
  /** Delivers a message to the client. Must not throw; it reports its own failures. */
  send: (message: WatchMessage) => void;
  /** False while the client has not drained what was sent; scans then wait for the next trigger. */
  canSend: () => boolean;
  cooldownMs: number;
  pollIntervalMs: number;
  /** The per-repository diff cap (the reference's 3 MiB). */
  maxDiffBytes: number;
  /** Diff bytes in one message; further changed repositories go out in the next scan. */
  maxMessageDiffBytes: number;
}

/**
 * One client watching one chat: it follows the repositories of the chat's paths and sends a
 * `changes` message per scan (changed repositories only; a heartbeat without them otherwise).
 * Transport-free: the WebSocket layer gives it `send` and calls `refresh` and `close`.
 */
export class WatchSession {
  private readonly options: WatchSessionOptions;
  private readonly scheduler: ScanScheduler;
  /** Watched root → fingerprint of what was last sent for it (null: nothing yet). */
  private readonly roots = new Map<string, string | null>();
  /** Roots whose last scan failed, so a lasting failure is logged once, not every poll. */
  private readonly failing = new Set<string>();
  private resolveNeeded = true;
  private unsubscribe: (() => void) | null = null;
  private gitMissing = false;
  private sentCount = 0;
  /** Aborts the git probe of `start` when the session closes first. */
  private readonly stopped = new AbortController();
  private starting: Promise<void> | null = null;

  constructor(options: WatchSessionOptions) {
    this.options = options;
    this.scheduler = new ScanScheduler({
      clock: options.clock,
      cooldownMs: options.cooldownMs,
      pollIntervalMs: options.pollIntervalMs,
      scan: (signal) => this.scan(signal),
      onError: (error) => options.log.error({ err: error }, 'git watch scan failed'),
    });
  }

  /** Scans started and messages sent so far, and roots watched now. */
  stats(): { scans: number; messages: number; repos: number } {
    return { scans: this.scheduler.scans, messages: this.sentCount, repos: this.roots.size };
  }

  /**
   * Starts watching. Without a usable git it sends one `error` message and stays idle. The
   * subscription comes before the first read of the paths (inside the first scan), so a path
   * added in between is never missed (the reference's lost-notification fix).
   */
  start(): Promise<void> {
    this.starting ??= this.begin().catch((error: unknown) => {
      if (!this.stopped.signal.aborted) this.options.log.error({ err: error }, 'git watch failed to start');
    });
    return this.starting;
  }

  private async begin(): Promise<void> {
    const probe = await this.options.git.probe(this.stopped.signal);
    if (this.stopped.signal.aborted) return;
    if ('error' in probe) {
      this.gitMissing = true;
      this.options.log.warn({ detail: probe.error }, 'git watch disabled: git is not available');
      this.deliver({ type: 'error', message: `Git is not available on this machine, so git watch sends no changes: ${probe.error}` });
      return;
    }
    this.unsubscribe = this.options.store.subscribe(this.options.chatId, () => {
      this.resolveNeeded = true;
      this.scheduler.request();
    });
    this.scheduler.request();
  }

  /** The client's `refresh`: paths are resolved again and a scan runs as soon as allowed. */
  refresh(): void {
    if (this.gitMissing) return;
    this.resolveNeeded = true;
    this.scheduler.request();
  }

  /** Stops: unsubscribes, clears every timer, kills running git and resolves when all settled. */
  async close(): Promise<void> {
    this.stopped.abort(new Error('git watch session closed'));
    await this.starting;
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.scheduler.close();
  }

  private async scan(signal: AbortSignal): Promise<void> {
    const { clock, git, maxDiffBytes, log } = this.options;
    if (!this.options.canSend()) {
      log.debug('git watch scan skipped: the client is not reading');
      return;
    }
    const scannedAt = clock.now();
    if (this.resolveNeeded) {
      // Cleared before reading, so a notification during resolution asks for another scan.
      this.resolveNeeded = false;
      this.adoptRoots(await resolveRepoRoots(this.options.store.getPaths(this.options.chatId), git, signal));
    }
    if (this.roots.size === 0) return;
    const repositories: RepoChanges[] = [];
    let diffBytes = 0;
    let deferred = false;
    for (const [root, sentFingerprint] of this.roots) {
      const result = await scanRepo(root, git, maxDiffBytes, signal);
      if (result.kind === 'removed') {
        log.info({ repo_root: root }, 'git watch repository removed');
        this.roots.delete(root);
        this.failing.delete(root);
        repositories.push(removedRepo(root));
        continue;
      }
      if (result.kind === 'failed') {
        const fields = { repo_root: root, err: result.error, detail: result.error.detail };
        if (this.failing.has(root)) log.debug(fields, 'git watch scan of a repository failed again');
        else log.warn(fields, 'git watch scan of a repository failed; keeping it');
        this.failing.add(root);
        continue;
      }
      if (this.failing.delete(root)) log.info({ repo_root: root }, 'git watch repository readable again');
      const { state } = result;
      const fingerprint = createHash('sha256').update(`${state.branch}\0${state.remoteOrigin}\0${state.unifiedDiff}`).digest('base64');
      if (fingerprint === sentFingerprint) continue;
      const bytes = Buffer.byteLength(state.unifiedDiff);
      if (repositories.length > 0 && diffBytes + bytes > this.options.maxMessageDiffBytes) {
        deferred = true;
        continue;
      }
      diffBytes += bytes;
      this.roots.set(root, fingerprint);
      repositories.push(toRepoChanges(state));
    }
    this.deliver({ type: 'changes', scanned_at: formatScannedAt(scannedAt), ...(repositories.length > 0 ? { repositories } : {}) });
    if (deferred) this.scheduler.request();
  }

  private adoptRoots(resolved: string[]): void {
    for (const root of resolved) {
      if (this.roots.has(root)) continue;
      if (this.roots.size >= MAX_WATCHED_REPOS) {
        this.options.log.warn({ repo_root: root, max: MAX_WATCHED_REPOS }, 'git watch follows too many repositories; ignoring one');
        continue;
      }
      this.roots.set(root, null);
    }
  }

  private deliver(message: WatchMessage): void {
    this.sentCount += 1;
    this.options.send(message);
  }
}
