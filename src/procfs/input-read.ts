import { closeSync, openSync, readFileSync, readSync, readlinkSync } from 'node:fs';
import { parseSyscall, waitKind } from './syscalls.js';

/** Descriptors one check looks at, at most (poll arrays, select sets, epoll interest lists). */
export const MAX_CHECKED_FDS = 64;
const POLLIN = 1;
const EPOLLIN = 1;

/** What a descriptor of `pid` points at (`pipe:[123]`, `socket:[456]`, `/dev/pts/3`), or null. */
export function fdTarget(pid: number, fd: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/fd/${fd}`);
  } catch {
    return null;
  }
}

/**
 * True when the main thread of `pid` is blocked waiting to read one of `targets` (descriptor
 * targets as `fdTarget` names them): in `read`/`readv`/`pread` on such a descriptor, or in
 * `poll`/`select` (the descriptor sets are read from `/proc/<pid>/mem`) or `epoll_wait` (the
 * interest list from `/proc/<pid>/fdinfo`) with such a descriptor asked for input. Reading a
 * file, a socket or another pipe, sleeping, or waiting for a child is not reading the targets.
 * Needs ptrace access to `pid` (our own children have it); any failure reads as false.
 * Cost: one small read of `/proc/<pid>/syscall`, then at most MAX_CHECKED_FDS readlinks.
 */
export function isWaitingToRead(pid: number, targets: ReadonlySet<string>): boolean {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/syscall`, 'latin1');
  } catch {
    return false;
  }
  const call = parseSyscall(text);
  if (call === null) return false;
  const [a0 = 0n, a1 = 0n] = call.args;
  const reads = (fd: number): boolean => {
    const target = fdTarget(pid, fd);
    return target !== null && targets.has(target);
  };
  switch (waitKind(call.nr)) {
    case 'read':
      return reads(Number(a0));
    case 'poll':
      return polledFds(pid, a0, Number(a1)).some(reads);
    case 'select':
      return selectedFds(pid, Number(a0), a1).some(reads);
    case 'epoll':
      return epollFds(pid, Number(a0)).some(reads);
    default:
      return false;
  }
}

/** The descriptors of a `pollfd` array at `address` that ask for input. */
function polledFds(pid: number, address: bigint, count: number): number[] {
  const bytes = readMemory(pid, address, Math.min(count, MAX_CHECKED_FDS) * 8);
  const fds: number[] = [];
  for (let at = 0; at + 8 <= bytes.length; at += 8) {
    if ((bytes.readInt16LE(at + 4) & POLLIN) !== 0) fds.push(bytes.readInt32LE(at));
  }
  return fds;
}

/** The descriptors set in the read set (an `fd_set` bitmap at `address`) of a `select`. */
function selectedFds(pid: number, count: number, address: bigint): number[] {
  if (address === 0n) return [];
  const bytes = readMemory(pid, address, Math.ceil(Math.min(count, 1024) / 8));
  const fds: number[] = [];
  for (let fd = 0; fd < bytes.length * 8 && fds.length < MAX_CHECKED_FDS; fd += 1) {
    if (((bytes[fd >> 3] ?? 0) & (1 << (fd & 7))) !== 0) fds.push(fd);
  }
  return fds;
}

/** The descriptors an epoll instance watches for input (`tfd: N events: HEX` lines of its fdinfo). */
function epollFds(pid: number, epfd: number): number[] {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/fdinfo/${epfd}`, 'latin1');
  } catch {
    return [];
  }
  const fds: number[] = [];
  for (const match of text.matchAll(/^tfd:\s*(\d+)\s+events:\s*([0-9a-f]+)/gm)) {
    if (fds.length >= MAX_CHECKED_FDS) break;
    if ((parseInt(match[2] ?? '0', 16) & EPOLLIN) !== 0) fds.push(Number(match[1]));
  }
  return fds;
}

/** Up to `length` bytes of the memory of `pid` at `address`; empty on any failure. */
function readMemory(pid: number, address: bigint, length: number): Buffer {
  if (length <= 0) return Buffer.alloc(0);
  let fd: number | null = null;
  try {
    fd = openSync(`/proc/${pid}/mem`, 'r');
    const buffer = Buffer.alloc(length);
    const read = readSync(fd, buffer, 0, length, address);
    return buffer.subarray(0, read);
  } catch {
    return Buffer.alloc(0);
  } finally {
    if (fd !== null) closeSync(fd);
  }
}
