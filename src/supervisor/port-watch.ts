import { CONFIG_DEFAULTS } from '../config.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { ListeningSocket, ProcessProbe } from './process-probe.js';
import type { ProcessRecord } from './process-record.js';

/** Period of the port watch's shared timer while it hurries, ms. */
export const DEFAULT_PORT_SCAN_MS = CONFIG_DEFAULTS.portScanMs;
/** Longest period when nothing is new: scans after a quiet stretch are this far apart, ms. */
export const MAX_PORT_SCAN_MS = 2000;
/** How long after a process starts the watch hurries (servers usually listen within this), ms. */
export const PORT_HURRY_AFTER_START_MS = 5000;

interface Entry {
  pid: number;
  sockets: Map<number, ListeningSocket>;
}

/**
 * Knows which TCP ports each running process group listens on, in `record.listening`, and calls
 * `onListening` when a group's set grows. One shared timer while any process runs: every
 * `scanMs` while it hurries (for PORT_HURRY_AFTER_START_MS after a start, and while a port or
 * http wait is open), else its period doubles up to MAX_PORT_SCAN_MS. Each tick reads the
 * machine's LISTEN sockets once (/proc/net/tcp and tcp6: the cost follows the machine's socket
 * tables: ~0.2 to ~10 ms per scan measured on a small VM, so ~20 ms of CPU per second while it
 * hurries and ~5 ms per second at worst after that; never our process count). Only when a LISTEN socket appears
 * that is not attributed yet are the groups' descriptors read, group by group, until every new
 * socket is found; sockets no group holds are remembered as foreign until they close (or a
 * process starts). So a steady state costs one table read per 2 s whatever the number of
 * processes.
 */
export class PortWatch {
  private readonly entries = new Map<ProcessRecord, Entry>();
  /** Every LISTEN inode seen: its owner, or null when no group of ours holds it. */
  private readonly owners = new Map<number, ProcessRecord | null>();
  /** Records added since the last pass: a socket taken for foreign may be theirs (seen before they were registered). */
  private readonly fresh = new Set<ProcessRecord>();
  private timer: unknown = null;
  private closed = false;
  private periodMs: number;
  private hurryUntil = 0;
  private openWaits = 0;

  constructor(
    private readonly probe: ProcessProbe,
    private readonly clock: Clock,
    private readonly scanMs: number,
    private readonly log: Logger,
    private readonly onListening: (record: ProcessRecord) => void,
  ) {
    this.periodMs = scanMs;
  }

  add(record: ProcessRecord, pid: number): void {
    if (this.closed) return;
    this.entries.set(record, { pid, sockets: new Map() });
    // A socket taken for foreign before this process was registered gets another look, in this process only.
    this.fresh.add(record);
    this.hurryUntil = this.clock.now() + PORT_HURRY_AFTER_START_MS;
    this.hurry();
  }

  /** A port or http wait began: scan at the fast period until `release` is called. */
  holdFast(): () => void {
    this.openWaits += 1;
    this.hurry();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.openWaits -= 1;
    };
  }

  /** Back to the fast period now (restarting a slow timer). */
  private hurry(): void {
    if (this.periodMs === this.scanMs && this.timer !== null) return;
    this.periodMs = this.scanMs;
    this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.schedule();
  }

  remove(record: ProcessRecord): void {
    const entry = this.entries.get(record);
    if (!entry) return;
    this.entries.delete(record);
    this.fresh.delete(record);
    for (const inode of entry.sockets.keys()) this.owners.delete(inode);
    if (record.listening.length > 0) {
      record.listening = [];
      record.notifyWatchChange();
    }
  }

  /** One pass (public for specs and for a fresh answer on demand). Returns whether anything changed. */
  tick(): boolean {
    const listening = this.probe.listeningSockets();
    const changed = new Set<ProcessRecord>();
    const grown = new Set<ProcessRecord>();
    for (const [inode, owner] of this.owners) {
      if (listening.has(inode)) continue;
      this.owners.delete(inode);
      if (owner) {
        this.entries.get(owner)?.sockets.delete(inode);
        changed.add(owner);
      }
    }
    // Sockets never seen are looked for in every group; sockets taken for foreign only in the
    // groups added since (the service's own listening socket is one: it must not cost a walk of
    // every running group after each start).
    const unseen = new Set<number>();
    const foreign = new Set<number>();
    for (const inode of listening.keys()) {
      const owner = this.owners.get(inode);
      if (owner === undefined) unseen.add(inode);
      else if (owner === null && this.fresh.size > 0) foreign.add(inode);
    }
    if (unseen.size > 0 || foreign.size > 0) {
      for (const [record, entry] of this.entries) {
        const isFresh = this.fresh.has(record);
        if (unseen.size === 0 && (foreign.size === 0 || !isFresh)) continue;
        for (const inode of this.probe.socketInodes(entry.pid)) {
          const socket = listening.get(inode);
          if (socket === undefined || !(unseen.delete(inode) || (isFresh && foreign.delete(inode)))) continue;
          this.owners.set(inode, record);
          entry.sockets.set(inode, socket);
          changed.add(record);
          grown.add(record);
        }
      }
      for (const inode of unseen) this.owners.set(inode, null);
    }
    this.fresh.clear();
    for (const record of changed) {
      const entry = this.entries.get(record);
      record.listening = entry ? [...entry.sockets.values()].sort((a, b) => a.port - b.port || a.address.localeCompare(b.address)) : [];
      record.notifyWatchChange();
      if (grown.has(record)) this.onListening(record);
    }
    return changed.size > 0;
  }

  private schedule(): void {
    if (this.timer !== null || this.closed) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      for (const record of this.entries.keys()) if (!record.running) this.remove(record);
      let changed = false;
      try {
        changed = this.tick();
      } catch (error) {
        this.log.error({ err: error }, 'port watch failed');
      }
      const hurrying = changed || this.openWaits > 0 || this.clock.now() < this.hurryUntil;
      this.periodMs = hurrying ? this.scanMs : Math.min(this.periodMs * 2, Math.max(MAX_PORT_SCAN_MS, this.scanMs));
      if (this.entries.size > 0) this.schedule();
    }, this.periodMs);
  }

  close(): void {
    this.closed = true;
    this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.entries.clear();
    this.owners.clear();
    this.fresh.clear();
  }
}

/** The distinct ports of `sockets`, ascending. */
export function portsOf(sockets: readonly ListeningSocket[]): number[] {
  return [...new Set(sockets.map((socket) => socket.port))].sort((a, b) => a - b);
}
