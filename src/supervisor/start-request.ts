import { createHash } from 'node:crypto';
import type { PtyOptions } from '../spawn/spawner.js';

/** Who started a process: a chat (and its ancestors, for git watch and logs), or nobody. */
export interface ChatIdentity {
  chatId: string | null;
  ancestorChatIds: string[];
}

/** What a client asks `Supervisor.start` for (already validated at the edge). */
export interface StartRequest {
  command: string;
  workdir?: string;
  env?: Record<string, string>;
  background?: boolean;
  /** Keep stdin open for `input()`. */
  stdin?: boolean;
  /** Run on a pseudo-terminal of this size. */
  pty?: PtyOptions;
  /** Hard lifetime, ms: terminated (then killed after `killGraceMs`) when it runs out. */
  timeoutMs?: number;
  /** Terminated (then killed) after this long without output, ms. */
  idleTimeoutMs?: number;
  /** Idempotency token: a retried start with the same token attaches to the first one's process. */
  clientToken?: string;
}

/**
 * What makes two starts "the same" for a client token: everything that changes what runs, as a
 * SHA-256 (it is persisted, and the env may hold secrets).
 */
export function startFingerprint(request: StartRequest): string {
  const env = Object.entries(request.env ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const canonical = JSON.stringify([
    request.command,
    request.workdir ?? null,
    env,
    request.background ?? false,
    request.stdin ?? false,
    request.pty ?? null,
    request.timeoutMs ?? null,
    request.idleTimeoutMs ?? null,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
