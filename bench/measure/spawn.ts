import type { ServerChild } from '../lib/children.js';
import { ServiceClient } from '../lib/http.js';
import { rawSpawn, sequentialSlot } from '../lib/load.js';
import { detail, judged, title, type MeasureContext, type Row } from '../lib/report.js';
import { fmtSpread, median, nowMs, percentile } from '../lib/stats.js';

export interface SpawnOptions {
  slotMs: number;
}

type Slot = 'raw' | 'http' | 'rawInService' | 'supervisor';
const SLOTS: readonly Slot[] = ['raw', 'http', 'rawInService', 'supervisor'];
const LABEL: Record<Slot, string> = {
  raw: 'raw spawn (bench process)',
  http: 'service HTTP start+wait',
  rawInService: 'raw spawn in service proc',
  supervisor: 'supervisor.start+wait (no HTTP)',
};

/**
 * 1. `sh -c true` started and awaited: POST /start + GET /{id}/output?wait=true against the
 * service, vs `child_process.spawn('sh', ['-c', 'true'])` → 'close' in this process (the
 * target ratio). Two diagnostic slots split the gap: the same raw spawn run inside the service
 * process (cost of forking a bigger process), and supervisor.start + waitForExit there without
 * HTTP (supervisor overhead). Sequential; slots rotated per round; ratios per round.
 */
export async function measureSpawn(ctx: MeasureContext, service: ServerChild, options: SpawnOptions): Promise<Row[]> {
  title('1. spawn `sh -c true` → exit: service start+wait vs raw child_process.spawn → close');
  const client = new ServiceClient(service.url);
  const run = async (slot: Slot, ms: number): Promise<number[]> => {
    switch (slot) {
      case 'raw':
        return sequentialSlot(ms, () => rawSpawn('true'));
      case 'http':
        return sequentialSlot(ms, () => client.run('true'));
      case 'rawInService':
        return service.probe({ kind: 'raw', command: 'true', ms });
      case 'supervisor':
        return service.probe({ kind: 'supervisor', command: 'true', ms });
    }
  };
  for (const slot of SLOTS) await run(slot, 300); // warm-up

  const p50 = Object.fromEntries(SLOTS.map((s) => [s, [] as number[]])) as Record<Slot, number[]>;
  const p99 = Object.fromEntries(SLOTS.map((s) => [s, [] as number[]])) as Record<Slot, number[]>;
  const ratio50: number[] = [];
  const ratio99: number[] = [];
  for (let round = 0; round < ctx.rounds && (round < 2 || nowMs() + SLOTS.length * options.slotMs < ctx.until); round++) {
    for (let k = 0; k < SLOTS.length; k++) {
      const slot = SLOTS[(k + round) % SLOTS.length] ?? 'raw';
      const lat = await run(slot, options.slotMs);
      p50[slot].push(percentile(lat, 50));
      p99[slot].push(percentile(lat, 99));
    }
    ratio50.push((p50.http.at(-1) ?? Number.NaN) / (p50.raw.at(-1) ?? Number.NaN));
    ratio99.push((p99.http.at(-1) ?? Number.NaN) / (p99.raw.at(-1) ?? Number.NaN));
    detail(`round ${round + 1} p50 ms: ${SLOTS.map((s) => `${s} ${p50[s].at(-1)?.toFixed(2)}`).join(' | ')}`);
  }
  for (const slot of SLOTS) detail(`${LABEL[slot].padEnd(32)} p50 ${fmtSpread(p50[slot], 2, 'ms').padEnd(24)} p99 ${fmtSpread(p99[slot], 2, 'ms')}`);
  const m = (slot: Slot): number => median(p50[slot]);
  detail(
    `p50 split: fork in the service process +${(m('rawInService') - m('raw')).toFixed(2)} ms, supervisor +${(m('supervisor') - m('rawInService')).toFixed(2)} ms, ` +
      `HTTP (2 round trips + Koa) +${(m('http') - m('supervisor')).toFixed(2)} ms`,
  );
  detail(`RATIO service/raw p50 ${fmtSpread(ratio50)}  p99 ${fmtSpread(ratio99)}   (median [min..max] over ${ratio50.length} rounds)`);
  return [
    {
      measurement: '1 spawn true (seq)',
      metric: 'latency p50',
      floor: `${m('raw').toFixed(2)} ms`,
      service: `${m('http').toFixed(2)} ms`,
      ...judged(ratio50, '<= 1.0'),
    },
    {
      measurement: '1 spawn true (seq)',
      metric: 'latency p99',
      floor: `${median(p99.raw).toFixed(2)} ms`,
      service: `${median(p99.http).toFixed(2)} ms`,
      ...judged(ratio99, '<= 1.3'),
    },
  ];
}
