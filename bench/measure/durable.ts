import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realClock } from '../../src/clock.js';
import { createLogger } from '../../src/logger.js';
import { DurableStore } from '../../src/store/durable-store.js';
import { openDatabase } from '../../src/store/open-database.js';
import type { ProcessRecord } from '../../src/supervisor/process-record.js';
import type { ServerChild } from '../lib/children.js';
import { ServiceClient } from '../lib/http.js';
import { rawSpawn, sequentialSlot } from '../lib/load.js';
import { detail, judged, title, type MeasureContext, type Row } from '../lib/report.js';
import { fmtSpread, median, nowMs, percentile } from '../lib/stats.js';

type Slot = 'raw' | 'memory' | 'durable';
const SLOTS: readonly Slot[] = ['raw', 'memory', 'durable'];
const LABEL: Record<Slot, string> = {
  raw: 'raw spawn (bench process)',
  memory: 'service start+wait, no dataDir',
  durable: 'service start+wait, dataDir',
};

/**
 * 6. What the durable commit of an exit costs: `echo hi` started and awaited (POST /start + GET
 * output?wait=true) against a service without `dataDir` and one with it, which commits every
 * exit to SQLite before the answer (WAL, synchronous=NORMAL), interleaved with the raw spawn
 * floor of measurement 1. Sequential; slots rotated per round.
 */
export async function measureDurable(ctx: MeasureContext, memory: ServerChild, durable: ServerChild, options: { slotMs: number }): Promise<Row[]> {
  title('6. durable exit commit: `echo hi` start+wait with dataDir vs without (and vs raw spawn)');
  const clients = { memory: new ServiceClient(memory.url), durable: new ServiceClient(durable.url) };
  const run = (slot: Slot, ms: number): Promise<number[]> =>
    slot === 'raw' ? sequentialSlot(ms, () => rawSpawn('echo hi')) : sequentialSlot(ms, () => clients[slot].run('echo hi'));
  for (const slot of SLOTS) await run(slot, 300); // warm-up
  const p50 = { raw: [] as number[], memory: [] as number[], durable: [] as number[] };
  const p99 = { raw: [] as number[], memory: [] as number[], durable: [] as number[] };
  const ratio50: number[] = [];
  const vsRaw50: number[] = [];
  for (let round = 0; round < ctx.rounds && (round < 2 || nowMs() + SLOTS.length * options.slotMs < ctx.until); round++) {
    for (let k = 0; k < SLOTS.length; k++) {
      const slot = SLOTS[(k + round) % SLOTS.length] ?? 'raw';
      const lat = await run(slot, options.slotMs);
      p50[slot].push(percentile(lat, 50));
      p99[slot].push(percentile(lat, 99));
    }
    ratio50.push((p50.durable.at(-1) ?? Number.NaN) / (p50.memory.at(-1) ?? Number.NaN));
    vsRaw50.push((p50.durable.at(-1) ?? Number.NaN) / (p50.raw.at(-1) ?? Number.NaN));
  }
  for (const slot of SLOTS) detail(`${LABEL[slot].padEnd(32)} p50 ${fmtSpread(p50[slot], 2, 'ms').padEnd(24)} p99 ${fmtSpread(p99[slot], 2, 'ms')}`);
  const commit = commitCost(2000, 1024);
  detail(`one exit commit in-process (1 KiB output, WAL synchronous=NORMAL): p50 ${commit.p50.toFixed(1)} µs p99 ${commit.p99.toFixed(1)} µs`);
  detail(`durable commit p50 +${(median(p50.durable) - median(p50.memory)).toFixed(3)} ms; RATIO dataDir/memory p50 ${fmtSpread(ratio50)}; dataDir/raw p50 ${fmtSpread(vsRaw50)}`);
  return [
    { measurement: '6 exit commit', metric: 'p50 (in-process)', floor: '-', service: `${commit.p50.toFixed(1)} µs`, ratio: '-', target: '-', met: null },
    {
      measurement: '6 echo start+wait, dataDir',
      metric: 'latency p50',
      floor: `${median(p50.memory).toFixed(2)} ms`,
      service: `${median(p50.durable).toFixed(2)} ms`,
      ...judged(ratio50, '<= 1.1'),
    },
    {
      measurement: '6 echo start+wait, dataDir',
      metric: 'vs raw p50',
      floor: `${median(p50.raw).toFixed(2)} ms`,
      service: `${median(p50.durable).toFixed(2)} ms`,
      ...judged(vsRaw50, '<= 1.3'),
    },
  ];
}

/** The synchronous commit of `count` exits with `outputBytes` of output each, as DurableStore.exited does it, in µs. */
function commitCost(count: number, outputBytes: number): { p50: number; p99: number } {
  const dataDir = mkdtempSync(join(tmpdir(), 'procvisor-bench-commit-'));
  const store = new DurableStore(openDatabase(dataDir, createLogger({ level: 'warn' })), { log: createLogger({ level: 'warn' }), clock: realClock, maxBytes: 2 ** 30, maxPathRows: 1000 });
  const output = 'x'.repeat(outputBytes);
  const times: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      // Only the fields the store reads: an exited record's info and frozen snapshot.
      const record = {
        info: { id: `bench-${i}`, command: 'echo hi', workdir: '/', background: false, chatId: null, ancestorChatIds: [], startedAt: Date.now(), stdin: false, pty: null, timeoutMs: null, idleTimeoutMs: null, clientToken: null, fingerprint: null },
        snapshot: { status: 'done', context: { output: { output, truncation: null }, exitCode: 0, exitSignal: null, exitReason: 'exited', exitedAt: Date.now(), buffer: { totalBytes: outputBytes } } },
      } as unknown as ProcessRecord;
      const started = performance.now();
      store.exited(record);
      times.push((performance.now() - started) * 1000);
    }
  } finally {
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}
