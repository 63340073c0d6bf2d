import { closeSync, openSync, readSync, readdirSync, readlinkSync } from 'node:fs';
import type { ListeningSocket } from '../supervisor/process-probe.js';

/** Bytes read of each `/proc/net/tcp*` file at most (about 13,000 listening sockets). */
export const MAX_NET_TABLE_BYTES = 2 * 1024 * 1024;
/** Read size: small, so the kernel formats few lines past the listening ones (see below). */
const READ_CHUNK_BYTES = 1024;
/** Descriptors looked at per process at most. */
export const MAX_FDS_PER_PROCESS = 4096;
const LISTEN = '0A';
/** Kernels before 4.4 list half-open connections among the listeners: read past them. */
const SYN_RECV = '03';

/**
 * Every TCP socket in LISTEN state in this network namespace, by socket inode, from
 * `/proc/net/tcp` and `/proc/net/tcp6`. The kernel lists the listening sockets first, then walks
 * its whole established-connection hash (262,144 buckets on a small VM: ~10 ms per file,
 * measured). So the files are read in small chunks and dropped at the first line that is not
 * LISTEN: a table with established connections costs ~0.2 ms; one with none after its
 * listeners still pays the whole walk (usually tcp6). Callers scan rarely (see PortWatch).
 */
export function listeningSockets(): Map<number, ListeningSocket> {
  const sockets = new Map<number, ListeningSocket>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      readListening(file, sockets);
    } catch {
      // no IPv6, or no /proc
    }
  }
  return sockets;
}

function readListening(file: string, into: Map<number, ListeningSocket>): void {
  const fd = openSync(file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    let pending = '';
    let header = true;
    let total = 0;
    while (total < MAX_NET_TABLE_BYTES) {
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) return;
      total += read;
      pending += chunk.toString('latin1', 0, read);
      let end: number;
      while ((end = pending.indexOf('\n')) !== -1) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 1);
        if (header) {
          header = false;
          continue;
        }
        const fields = line.trim().split(/\s+/);
        if (fields[3] === SYN_RECV) continue;
        if (fields[3] !== LISTEN) return;
        const [hexAddress = '', hexPort = '0'] = (fields[1] ?? '').split(':');
        const inode = Number(fields[9]);
        if (inode > 0) into.set(inode, { port: parseInt(hexPort, 16), address: decodeAddress(hexAddress) });
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** The socket inodes among the open descriptors of `pid` (`socket:[N]` links); empty if it is gone. */
export function socketInodes(pid: number): number[] {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  const inodes: number[] = [];
  for (const fd of fds.slice(0, MAX_FDS_PER_PROCESS)) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    if (target.startsWith('socket:[')) inodes.push(Number(target.slice(8, -1)));
  }
  return inodes;
}

/** `0100007F` → `127.0.0.1`; the 32 hex digits of IPv6 (four host-order words) → `::1` style. */
export function decodeAddress(hex: string): string {
  if (hex.length === 8) return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
  const words: string[] = [];
  for (let word = 0; word < 4; word += 1) {
    const chunk = hex.slice(word * 8, word * 8 + 8);
    // Each 32-bit word is in host (little-endian) order.
    const bytes = [3, 2, 1, 0].map((i) => chunk.slice(i * 2, i * 2 + 2)).join('');
    words.push(bytes.slice(0, 4), bytes.slice(4, 8));
  }
  return compressIpv6(words.map((w) => parseInt(w, 16).toString(16)));
}

function compressIpv6(groups: string[]): string {
  // The longest run of zero groups becomes `::`.
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') {
      i += 1;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j += 1;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  if (bestLength < 2) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`;
}
