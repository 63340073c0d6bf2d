import { CONFIG_DEFAULTS } from '../config.js';
import { isAbsolute, normalize } from 'node:path';

/** Bounds of a PathStore. Both are hard: the store never holds more. */
export interface PathStoreLimits {
  /** Chats with paths; past it, the least recently fed chat without subscribers goes first. */
  maxChats: number;
  /** Paths per chat; past it, the least recently added path of that chat goes. */
  maxPathsPerChat: number;
  /** Longest accepted path, characters; longer ones are ignored (PATH_MAX is 4096 on Linux). */
  maxPathChars: number;
}

export const DEFAULT_PATH_STORE_LIMITS: PathStoreLimits = { maxChats: CONFIG_DEFAULTS.pathStoreMaxChats, maxPathsPerChat: CONFIG_DEFAULTS.pathStoreMaxPathsPerChat, maxPathChars: 4096 };

/** Called when a chat's paths may have changed. Must be cheap and must not throw. */
export type PathListener = () => void;

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

interface Subscription {
  listener: PathListener;
  queued: boolean;
  active: boolean;
}

/**
 * In-memory map of chat id → absolute paths that the chat's commands touched, plus per-chat
 * subscribers. Nothing is persisted. Notifications are delivered on a microtask, at most one
 * queued per subscriber, so a burst of additions reaches a subscriber once and a feeder (the
 * process-exit listener, an HTTP request) never waits on one.
 */
export class PathStore {
  private readonly limits: PathStoreLimits;
  /** Chat → paths; both maps use insertion order as recency (re-inserted on use). */
  private readonly paths = new Map<string, Map<string, true>>();
  private readonly subscribers = new Map<string, Set<Subscription>>();
  private readonly onListenerError: (error: unknown) => void;
  private readonly addedListeners = new Set<(chatIds: readonly string[], paths: readonly string[]) => void>();

  constructor(limits: Partial<PathStoreLimits> = {}, onListenerError: (error: unknown) => void = () => undefined) {
    this.limits = { ...DEFAULT_PATH_STORE_LIMITS, ...limits };
    this.onListenerError = onListenerError;
  }

  /**
   * Adds `paths` to every chat in `chatIds` (a chat and its ancestors), then notifies their
   * subscribers. Relative, empty, over-long or NUL-containing paths and nil chat ids are skipped.
   * Returns the normalized paths that were accepted.
   */
  addPaths(chatIds: readonly string[], paths: readonly string[]): string[] {
    const accepted = [...new Set(paths.flatMap((path) => this.acceptable(path)))];
    const chats = liveChatIds(chatIds);
    if (accepted.length === 0 || chats.length === 0) return [];
    for (const chatId of chats) {
      const set = this.paths.get(chatId) ?? new Map<string, true>();
      this.paths.delete(chatId);
      this.paths.set(chatId, set);
      for (const path of accepted) {
        set.delete(path);
        set.set(path, true);
      }
      while (set.size > this.limits.maxPathsPerChat) set.delete(set.keys().next().value as string);
    }
    this.evictChats();
    this.notify(chats);
    for (const listener of this.addedListeners) {
      try {
        listener(chats, accepted);
      } catch (error) {
        this.onListenerError(error);
      }
    }
    return accepted;
  }

  /** Calls `listener` after every addition (durable state persists paths this way). Returns the unsubscribe. */
  onPathsAdded(listener: (chatIds: readonly string[], paths: readonly string[]) => void): () => void {
    this.addedListeners.add(listener);
    return () => this.addedListeners.delete(listener);
  }

  /** Notifies the subscribers of `chatIds` without adding paths (nil ids skipped). */
  notify(chatIds: readonly string[]): void {
    for (const chatId of liveChatIds(chatIds)) {
      for (const subscription of this.subscribers.get(chatId) ?? []) this.queue(subscription);
    }
  }

  /** The chat's paths, deduplicated and sorted; empty if it has none. */
  getPaths(chatId: string): string[] {
    return [...(this.paths.get(chatId)?.keys() ?? [])].sort();
  }

  /**
   * Calls `listener` after each change to `chatId`'s paths (coalesced). Returns the unsubscribe
   * function; after it, nothing more is delivered, not even an already queued notification.
   */
  subscribe(chatId: string, listener: PathListener): () => void {
    const subscription: Subscription = { listener, queued: false, active: true };
    const set = this.subscribers.get(chatId) ?? new Set<Subscription>();
    set.add(subscription);
    this.subscribers.set(chatId, set);
    return () => {
      set.delete(subscription);
      subscription.active = false; // a delivery already queued sees this and stays silent
      if (set.size === 0 && this.subscribers.get(chatId) === set) this.subscribers.delete(chatId);
    };
  }

  /** Counts for tests and health checks. */
  stats(): { chats: number; paths: number; subscribers: number } {
    let paths = 0;
    for (const set of this.paths.values()) paths += set.size;
    let subscribers = 0;
    for (const set of this.subscribers.values()) subscribers += set.size;
    return { chats: this.paths.size, paths, subscribers };
  }

  private acceptable(path: string): string[] {
    if (path === '' || path.length > this.limits.maxPathChars || path.includes('\0') || !isAbsolute(path)) return [];
    const normalized = normalize(path);
    return [normalized.length > 1 && normalized.endsWith('/') ? normalized.slice(0, -1) : normalized];
  }

  private queue(subscription: Subscription): void {
    if (subscription.queued) return;
    subscription.queued = true;
    queueMicrotask(() => {
      subscription.queued = false;
      if (!subscription.active) return;
      try {
        subscription.listener();
      } catch (error) {
        this.onListenerError(error);
      }
    });
  }

  /** Drops the least recently fed chats beyond `maxChats`, sparing watched chats while it can. */
  private evictChats(): void {
    while (this.paths.size > this.limits.maxChats) {
      let victim: string | undefined;
      for (const chatId of this.paths.keys()) {
        if (!this.subscribers.has(chatId)) {
          victim = chatId;
          break;
        }
      }
      this.paths.delete(victim ?? (this.paths.keys().next().value as string));
    }
  }
}

function liveChatIds(chatIds: readonly string[]): string[] {
  return [...new Set(chatIds.filter((chatId) => chatId !== '' && chatId !== NIL_UUID))];
}
