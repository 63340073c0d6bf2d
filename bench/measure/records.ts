import type { ServerChild } from '../lib/children.js';
import { ServiceClient } from '../lib/http.js';
import { pool, rawSpawn, sequentialSlot } from '../lib/load.js';
import { detail, judged, title, type MeasureContext, type Row } from '../lib/report.js';
import { fmtSpread, median, nowMs, percentile, sleep } from '../lib/stats.js';

export interface RecordsOptions {
  records: number;
  slotMs: number;
  /** Longest time spent filling the service; fewer records are reported if it runs out. */
  fillBudgetMs: number;
}

/**
 * 40,000 bytes in 400 lines of 100 bytes, written by dash's builtin printf (one process, no
 * pipeline: filling 10,000 records stays ~as cheap as 10,000 `true`s). Lines matter: the service
 * cuts every line longer than maxLineBytes (2048) when it renders, so the one-line
 * `head -c 40000 /dev/zero | tr '\0' a` would be kept as ~4 KiB, not the full 16 KiB head +
 * 16 KiB tail this measurement is about.
 */
export const FILL_COMMAND = `printf '%099d\\n'${' 0'.repeat(400)}`;

/**
 * Starts `count` FILL_COMMANDs on `server` (POST /start only: fetching 10,000 × 32 KiB outputs
 * back would cost more than the spawns), at most ~`maxRunning` at a time, and waits until they
 * all exited. Stops starting when `stopAt` passes. Returns how many exited records it holds.
 */
async function fill(server: ServerChild, client: ServiceClient, count: number, stopAt: number, maxRunning = 16): Promise<number> {
  let started = 0;
  while (started < count && nowMs() < stopAt) {
    const batch = Math.min(32, count - started);
    await pool(batch, 8, () => client.start(FILL_COMMAND));
    started += batch;
    while (((await server.stats()).running ?? 0) > maxRunning) await sleep(2);
  }
  for (;;) {
    const stats = await server.stats();
    if ((stats.running ?? 0) === 0) return stats.exited ?? 0;
    await sleep(10);
  }
}

const MiB = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/**
 * 5. Spawn latency (start + wait of `true`, p50) on a service holding `records` exited records
 * of ~32 KiB output each vs on a service holding none, both in their own processes, slots
 * rotated per round (raw spawn in this process too, for reference).
 */
export async function measureRecords(ctx: MeasureContext, empty: ServerChild, full: ServerChild, options: RecordsOptions): Promise<Row[]> {
  title(`5. spawn latency (start+wait \`true\`) with ${options.records} exited ~32 KiB records held vs none`);
  const emptyClient = new ServiceClient(empty.url);
  const fullClient = new ServiceClient(full.url);

  const sample = await fullClient.run(FILL_COMMAND);
  const retained = sample.truncated?.retained_bytes ?? Buffer.byteLength(sample.output);
  const t0 = nowMs();
  const filled = await fill(full, fullClient, options.records - 1, t0 + options.fillBudgetMs);
  const fillSec = (nowMs() - t0) / 1000;
  const [es, fs] = [await empty.stats(true), await full.stats(true)];
  detail(`filled ${filled} records in ${fillSec.toFixed(1)} s (${(filled / fillSec).toFixed(0)}/s); each keeps ${retained} bytes of output`);
  detail(`empty service: exited ${es.exited ?? '?'} rss ${MiB(es.rss)} heap ${MiB(es.heapUsed)} external ${MiB(es.external)} arrayBuffers ${MiB(es.arrayBuffers)}`);
  detail(`full service:  exited ${fs.exited ?? '?'} rss ${MiB(fs.rss)} heap ${MiB(fs.heapUsed)} external ${MiB(fs.external)} arrayBuffers ${MiB(fs.arrayBuffers)}`);

  const tasks = {
    raw: (): Promise<void> => rawSpawn('true'),
    empty: (): Promise<unknown> => emptyClient.run('true'),
    full: (): Promise<unknown> => fullClient.run('true'),
  };
  const names = ['raw', 'empty', 'full'] as const;
  for (const name of names) await sequentialSlot(200, tasks[name]);
  const p50 = { raw: [] as number[], empty: [] as number[], full: [] as number[] };
  const p99 = { raw: [] as number[], empty: [] as number[], full: [] as number[] };
  const ratio: number[] = [];
  for (let round = 0; round < ctx.rounds && (round < 2 || nowMs() + 3 * options.slotMs < ctx.until); round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + round) % names.length] ?? 'raw';
      const lat = await sequentialSlot(options.slotMs, tasks[name]);
      p50[name].push(percentile(lat, 50));
      p99[name].push(percentile(lat, 99));
    }
    ratio.push((p50.full.at(-1) ?? Number.NaN) / (p50.empty.at(-1) ?? Number.NaN));
    detail(`round ${round + 1}: p50 raw ${p50.raw.at(-1)?.toFixed(2)} | empty ${p50.empty.at(-1)?.toFixed(2)} | full ${p50.full.at(-1)?.toFixed(2)} ms`);
  }
  for (const name of names) detail(`${name.padEnd(6)} p50 ${fmtSpread(p50[name], 2, 'ms')}  p99 ${fmtSpread(p99[name], 2, 'ms')}`);
  detail(`RATIO full/empty p50 ${fmtSpread(ratio)}   full/raw p50 ${(median(p50.full) / median(p50.raw)).toFixed(2)}   (over ${ratio.length} rounds)`);
  const perRecordKiB = (fs.heapUsed - es.heapUsed) / Math.max(1, filled) / 1024;
  detail(`heap per exited record: ${perRecordKiB.toFixed(1)} KiB (full - empty heap after a GC, over ${filled} records)`);
  return [
    {
      measurement: `5 heap per exited record`,
      metric: 'KiB (32 KiB output)',
      floor: '-',
      service: perRecordKiB.toFixed(1),
      ratio: '-',
      target: '<= 40',
      met: perRecordKiB <= 40,
    },
    {
      measurement: `5 spawn with ${filled} records`,
      metric: 'start+wait p50',
      floor: `${median(p50.empty).toFixed(2)} ms (0 rec)`,
      service: `${median(p50.full).toFixed(2)} ms`,
      ...judged(ratio, '<= 1.1'),
    },
  ];
}
