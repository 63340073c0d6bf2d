import { readdirSync, readFileSync } from 'node:fs';

/**
 * Linux process identity from /proc: a pid alone is reused, a pid plus its start time (clock
 * ticks since boot, field 22 of /proc/<pid>/stat) is not, within one boot (`boot_id`).
 * Every function returns null or false where /proc has nothing (another OS, a process gone).
 */

/** The fields of /proc/<pid>/stat after `comm`, which may itself hold spaces and parentheses. */
function statFields(pid: number): string[] | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  const end = stat.lastIndexOf(')');
  return end < 0 ? null : stat.slice(end + 2).split(' ');
}

/** When `pid` started, in clock ticks since boot; null when no such process exists. */
export function readStartTicks(pid: number): number | null {
  // Field 22 overall; the list starts at field 3 (state).
  const ticks = statFields(pid)?.[19];
  return ticks === undefined ? null : Number(ticks);
}

/** This boot's id (/proc/sys/kernel/random/boot_id); null when unreadable. */
export function readBootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
}

/**
 * True when the group `pgid` can only be the one whose leader started at `startTicks` (null: the
 * leader was already gone when it was registered): its leader is that process, or the leader is
 * gone. Linux does not hand out a pid while a process group of that id still exists, so a group
 * without a leader process is still the group that leader made; a live process with that pid
 * and another start time is a stranger that reused the number.
 */
export function isSameGroup(pgid: number, startTicks: number | null): boolean {
  const leaderTicks = readStartTicks(pgid);
  return leaderTicks === null || leaderTicks === startTicks;
}

/** A member of a process group: its pid and command line (cut to 200 characters). */
export interface GroupMember {
  pid: number;
  command: string;
}

/**
 * Up to `limit` live processes of group `pgid` (zombies, which a signal cannot end and the
 * group's reaper will collect, are left out), found by scanning /proc: the cost grows with the
 * number of processes on the machine (~10 µs each).
 */
export function listGroupMembers(pgid: number, limit = 20): GroupMember[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const members: GroupMember[] = [];
  for (const entry of entries) {
    if (members.length >= limit) break;
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    // Fields 3 and 5 overall: state and pgrp.
    const fields = statFields(pid);
    if (fields?.[2] !== String(pgid) || fields[0] === 'Z') continue;
    members.push({ pid, command: readCommand(pid) });
  }
  return members;
}

function readCommand(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 200);
  } catch {
    return '';
  }
}
