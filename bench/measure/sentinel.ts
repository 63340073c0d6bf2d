import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/logger.js';
import { GroupSentinel } from '../../src/spawn/group-sentinel.js';
import { readStartTicks } from '../../src/spawn/process-identity.js';
import { GroupTable } from '../../src/store/group-table.js';
import { openDatabase } from '../../src/store/open-database.js';
import { detail, title, type Row } from '../lib/report.js';
import { nowMs, percentile } from '../lib/stats.js';

/** Group ids above Linux's largest pid_max (2^22): no process group can have them, so nothing real is ever signalled. */
const FAKE_PGID = 5_000_000;
/** Groups alive at once while the per-group cost is measured (the sentinel's list grows with it). */
const LIVE_GROUPS = 100;

/**
 * 7. What crash safety costs: the sentinel's start-up (spawn → running, and spawn → exited
 * after `q`), the per-group cost on the service's side (telling the sentinel and committing
 * the group row to SQLite, reading the leader's start time from /proc), and how long the
 * sentinel itself takes per line with LIVE_GROUPS groups registered. Informational: no targets.
 */
export async function measureSentinel(options: { starts: number; groups: number }): Promise<Row[]> {
  title('7. crash safety: sentinel start-up and per-group costs');
  const log = createLogger({ level: 'warn' });
  const spawnMs: number[] = [];
  const lifeMs: number[] = [];
  for (let i = 0; i < options.starts; i++) {
    const started = nowMs();
    const sentinel = GroupSentinel.start({ graceMs: 1000, log });
    await once(sentinel.child, 'spawn');
    spawnMs.push(nowMs() - started);
    const exited = once(sentinel.child, 'exit');
    sentinel.close();
    await exited;
    lifeMs.push(nowMs() - started);
  }
  detail(`sentinel start (spawn event) p50 ${percentile(spawnMs, 50).toFixed(2)} ms p99 ${percentile(spawnMs, 99).toFixed(2)} ms; start → q → exit p50 ${percentile(lifeMs, 50).toFixed(2)} ms`);

  const sentinel = GroupSentinel.start({ graceMs: 1000, log });
  await once(sentinel.child, 'spawn');
  const burstStarted = nowMs();
  for (let i = 0; i < options.groups; i++) {
    sentinel.added({ pgid: FAKE_PGID + i, startTicks: 1, processId: null });
    if (i >= LIVE_GROUPS) sentinel.removed(FAKE_PGID + i - LIVE_GROUPS);
  }
  const tellUs = ((nowMs() - burstStarted) * 1000) / options.groups;
  const exited = once(sentinel.child, 'exit');
  sentinel.close();
  await exited;
  const sentinelUs = ((nowMs() - burstStarted) * 1000) / options.groups;
  detail(`service side: tell the sentinel (add + remove) ${tellUs.toFixed(2)} µs/group; the sentinel drains ${options.groups} add+remove pairs with ${LIVE_GROUPS} live in ${sentinelUs.toFixed(1)} µs/group (its own process)`);

  const dataDir = mkdtempSync(join(tmpdir(), 'procvisor-bench-groups-'));
  const db = openDatabase(dataDir, log);
  try {
    const table = new GroupTable(db, log, 'bench');
    const tableStarted = nowMs();
    for (let i = 0; i < options.groups; i++) {
      table.added({ pgid: FAKE_PGID + i, startTicks: 1, processId: 'p' });
      table.removed(FAKE_PGID + i);
    }
    const tableUs = ((nowMs() - tableStarted) * 1000) / options.groups;
    // A group leader is a one-thread `sh`: /proc/PID/stat of a many-threaded process (node) is slower.
    const leader = spawn('sleep', ['30'], { stdio: 'ignore' });
    await once(leader, 'spawn');
    const ticksStarted = nowMs();
    for (let i = 0; i < options.groups; i++) readStartTicks(leader.pid!);
    const ticksUs = ((nowMs() - ticksStarted) * 1000) / options.groups;
    leader.kill('SIGKILL');
    detail(`durable group row (insert + delete, WAL synchronous=NORMAL) ${tableUs.toFixed(2)} µs/group; leader start time from /proc ${ticksUs.toFixed(2)} µs`);
    return [
      { measurement: '7 sentinel', metric: 'start-up p50', floor: '-', service: `${percentile(spawnMs, 50).toFixed(2)} ms`, ratio: '-', target: '-', met: null },
      { measurement: '7 sentinel', metric: 'per spawn (tell+ticks)', floor: '-', service: `${(tellUs + ticksUs).toFixed(1)} µs`, ratio: '-', target: '-', met: null },
      { measurement: '7 group row (dataDir)', metric: 'per spawn', floor: '-', service: `${tableUs.toFixed(1)} µs`, ratio: '-', target: '-', met: null },
    ];
  } finally {
    db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
