import { arch } from 'node:process';

/** How a blocking system call names the descriptors it waits on. */
export type WaitKind = 'read' | 'poll' | 'select' | 'epoll';

/**
 * System call numbers of the calls a process blocked on input sits in, per architecture (x86_64
 * and arm64, from the kernel's syscall tables). Unknown architectures detect nothing.
 */
const TABLES: Record<string, Record<number, WaitKind>> = {
  x64: { 0: 'read', 19: 'read', 17: 'read', 295: 'read', 327: 'read', 7: 'poll', 271: 'poll', 23: 'select', 270: 'select', 232: 'epoll', 281: 'epoll', 441: 'epoll' },
  arm64: { 63: 'read', 65: 'read', 67: 'read', 69: 'read', 286: 'read', 73: 'poll', 72: 'select', 22: 'epoll', 441: 'epoll' },
};

/** The wait kind of system call `nr` on this machine's architecture, or null. */
export function waitKind(nr: number, architecture: string = arch): WaitKind | null {
  return TABLES[architecture]?.[nr] ?? null;
}

/** A blocked system call as `/proc/<pid>/syscall` shows it: its number and six arguments. */
export interface BlockedCall {
  nr: number;
  args: bigint[];
}

/**
 * Parses `/proc/<pid>/syscall`: `running` (on a CPU) and `-1 …` (blocked outside a system call)
 * are null; otherwise `nr arg1 … arg6 sp pc` in hex.
 */
export function parseSyscall(text: string): BlockedCall | null {
  const fields = text.trim().split(' ');
  if (fields.length < 7 || !/^\d+$/.test(fields[0] ?? '')) return null;
  return { nr: Number(fields[0]), args: fields.slice(1, 7).map((field) => BigInt(field)) };
}
