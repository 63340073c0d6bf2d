import type { ServerChild } from '../lib/children.js';
import { HeadRing } from '../lib/head-tail.js';
import { ServiceClient } from '../lib/http.js';
import { rawSpawn } from '../lib/load.js';
import { detail, title, type MeasureContext, type Row } from '../lib/report.js';
import { fmtSpread, median, nowMs } from '../lib/stats.js';

export interface OutputOptions {
  bytes: number;
}

/**
 * 2. Output ingestion: `head -c BYTES /dev/zero` through the service (start + wait) vs this
 * process spawning the same `sh -c` command and copying every chunk into a 16 KiB head + 16 KiB
 * ring. MB/s = 1e6 bytes/s; ratio service/floor per round. A diagnostic third slot runs the
 * floor with `detached: true` (setsid, as the service spawns), which alone changes scheduling:
 * a new session is a new scheduler autogroup on Linux.
 */
export async function measureOutput(ctx: MeasureContext, service: ServerChild, options: OutputOptions): Promise<Row[]> {
  const { bytes } = options;
  const command = `head -c ${bytes} /dev/zero`;
  title(`2. output ingestion of ${bytes} bytes (${command}): service start+wait vs node pipe → 16 KiB head + 16 KiB ring`);
  const client = new ServiceClient(service.url);
  const mbps = (ms: number): number => bytes / 1e6 / (ms / 1000);

  const floor = async (detached = false): Promise<number> => {
    const store = new HeadRing(16_384, 16_384);
    const t0 = nowMs();
    await rawSpawn(command, (chunk) => store.write(chunk), { detached });
    const ms = nowMs() - t0;
    if (store.total !== bytes) throw new Error(`floor read ${store.total} bytes, expected ${bytes}`);
    return mbps(ms);
  };
  const underTest = async (): Promise<number> => {
    const t0 = nowMs();
    const out = await client.run(command);
    const ms = nowMs() - t0;
    const total = out.truncated?.original_bytes ?? Buffer.byteLength(out.output);
    if (total !== bytes) throw new Error(`service reports ${total} bytes, expected ${bytes}`);
    if (out.exit_code !== 0) throw new Error(`service: exit code ${out.exit_code}`);
    return mbps(ms);
  };

  // Diagnostic third slot: the same floor with `detached: true` (setsid), as the service spawns.
  const slots = { floor: () => floor(false), service: underTest, detached: () => floor(true) };
  const names = ['floor', 'service', 'detached'] as const;
  const r = { floor: [] as number[], service: [] as number[], detached: [] as number[], ratio: [] as number[], detachedRatio: [] as number[] };
  let roundMs = 0;
  for (let round = 0; round < ctx.rounds && (round < 2 || nowMs() + roundMs < ctx.until); round++) {
    const t0 = nowMs();
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + round) % names.length] ?? 'floor';
      r[name].push(await slots[name]());
    }
    roundMs = nowMs() - t0;
    const [f, s, d] = [r.floor.at(-1) ?? Number.NaN, r.service.at(-1) ?? Number.NaN, r.detached.at(-1) ?? Number.NaN];
    r.ratio.push(s / f);
    r.detachedRatio.push(d / f);
    detail(`round ${round + 1}: node ring ${f.toFixed(0)} MB/s | service ${s.toFixed(0)} MB/s | node ring, detached child ${d.toFixed(0)} MB/s`);
  }
  detail(`node pipe+ring            ${fmtSpread(r.floor, 0, ' MB/s')}`);
  detail(`service                   ${fmtSpread(r.service, 0, ' MB/s')}`);
  detail(`node pipe+ring, detached  ${fmtSpread(r.detached, 0, ' MB/s')}   (diagnostic: setsid puts the child in a new session)`);
  detail(`RATIO service/node ${fmtSpread(r.ratio)}   detached/node ${fmtSpread(r.detachedRatio)}   (median [min..max] over ${r.ratio.length} rounds)`);
  return [
    {
      measurement: `2 ingest ${(bytes / 2 ** 30).toFixed(bytes % 2 ** 30 === 0 ? 0 : 2)} GiB`,
      metric: 'MB/s',
      floor: median(r.floor).toFixed(0),
      service: median(r.service).toFixed(0),
      ratio: fmtSpread(r.ratio),
      target: '>= 0.9',
      met: median(r.ratio) >= 0.9,
    },
    {
      measurement: `2 ingest, floor detached`,
      metric: 'MB/s',
      floor: median(r.floor).toFixed(0),
      service: `${median(r.detached).toFixed(0)} (raw, setsid)`,
      ratio: fmtSpread(r.detachedRatio),
      target: '(diagnostic)',
      met: null,
    },
  ];
}
