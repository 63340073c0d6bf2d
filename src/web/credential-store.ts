import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';

/** Settings of a CredentialStore; times in ms on `clock`. */
export interface CredentialStoreOptions {
  clock: Clock;
  /** How long a credential is valid after it was issued. */
  ttlMs: number;
  /** Live credentials at most; issuing one more drops the oldest. */
  maxEntries: number;
  /** A credential is accepted once, then forgotten (tickets); else until it expires (view sessions). */
  singleUse: boolean;
}

/** What redeeming a live credential gives back: the scope it was issued with. */
export interface RedeemedCredential<S> {
  scope: S;
}

/** A credential as handed out: the value to present, and its lifetime on the store's clock. */
export interface IssuedCredential {
  value: string;
  expiresInMs: number;
}

/**
 * Short-lived random credentials that stand in for the bearer token where a browser cannot send
 * a header: 256 random bits each, kept in memory only (a restart revokes them all), keyed by
 * their SHA-256 so a lookup's timing says nothing about a stored value, never the token itself
 * or derived from it: a leaked one grants only what its store is checked for, until it expires.
 * Bounded by `maxEntries`; expired entries are dropped as new ones are issued. Each carries a
 * `scope` of type S given at issue (a ticket: the chat of the request that asked for it).
 */
export class CredentialStore<S = null> {
  private readonly options: CredentialStoreOptions;
  /** SHA-256 hex of the value → expiry (clock ms) and scope; insertion order is issue order. */
  private readonly live = new Map<string, { expiresAt: number; scope: S }>();

  constructor(options: CredentialStoreOptions) {
    this.options = options;
  }

  /** Live credentials right now (expired ones not yet dropped count too). */
  get size(): number {
    return this.live.size;
  }

  issue(scope: S): IssuedCredential {
    const now = this.options.clock.now();
    for (const [key, entry] of this.live) if (entry.expiresAt <= now) this.live.delete(key);
    while (this.live.size >= this.options.maxEntries) {
      const oldest = this.live.keys().next().value;
      if (oldest === undefined) break;
      this.live.delete(oldest);
    }
    const value = randomBytes(32).toString('base64url');
    this.live.set(digest(value), { expiresAt: now + this.options.ttlMs, scope });
    return { value, expiresInMs: this.options.ttlMs };
  }

  /** The scope of `value` if it was issued here and has not expired (nor, single-use, been redeemed); else null. */
  redeem(value: string): RedeemedCredential<S> | null {
    const key = digest(value);
    const entry = this.live.get(key);
    if (entry === undefined) return null;
    if (entry.expiresAt <= this.options.clock.now()) {
      this.live.delete(key);
      return null;
    }
    if (this.options.singleUse) this.live.delete(key);
    return { scope: entry.scope };
  }
}

function digest(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
