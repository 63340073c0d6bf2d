import type { ServerChild } from '../lib/children.js';
import { HeadRing } from '../lib/head-tail.js';
import { ServiceClient } from '../lib/http.js';
import { rawSpawn } from '../lib/load.js';
import { detail, title, type MeasureContext, type Row } from '../lib/report.js';
import { fmtSpread, median, nowMs, processCpuMs } from '../lib/stats.js';
import { defaultPriority } from '../../src/spawn/priority.js';

export interface OutputOptions {
  bytes: number;
}

/**
 * 2. Output ingestion: `head -c BYTES /dev/zero` through the service (start + wait) vs this
 * process spawning the same `sh -c` command and copying every chunk into a 16 KiB head + 16 KiB
 * ring. MB/s = 1e6 bytes/s; ratios service/floor per round. Two floors: the plain one (child at
 * this process's niceness, same session), and one whose producer runs as the service's children
 * do: `detached` (setsid: a new session is a new scheduler autogroup on Linux) and at the
 * service's child niceness (`processPriority`: own + 5). The target is against the second: the
 * first ratio mostly measures how much CPU a nice +5 producer gets on a busy machine.
 */
export async function measureOutput(ctx: MeasureContext, service: ServerChild, options: OutputOptions): Promise<Row[]> {
  const { bytes } = options;
  const command = `head -c ${bytes} /dev/zero`;
  title(`2. output ingestion of ${bytes} bytes (${command}): service start+wait vs node pipe → 16 KiB head + 16 KiB ring`);
  const client = new ServiceClient(service.url);
  const mbps = (ms: number): number => bytes / 1e6 / (ms / 1000);

  const childNice = defaultPriority()?.nice;
  const floor = async (samePriority = false): Promise<number> => {
    const store = new HeadRing(16_384, 16_384);
    const t0 = nowMs();
    const cpu0 = process.cpuUsage();
    await rawSpawn(command, (chunk) => store.write(chunk), samePriority ? { detached: true, ...(childNice === undefined ? {} : { nice: childNice }) } : {});
    const ms = nowMs() - t0;
    if (store.total !== bytes) throw new Error(`floor read ${store.total} bytes, expected ${bytes}`);
    const cpu = process.cpuUsage(cpu0);
    cpuMs[samePriority ? 'detached' : 'floor'].push((cpu.user + cpu.system) / 1000);
    return mbps(ms);
  };
  const underTest = async (): Promise<number> => {
    const t0 = nowMs();
    const cpu0 = processCpuMs(service.pid);
    const out = await client.run(command);
    const ms = nowMs() - t0;
    cpuMs.service.push(processCpuMs(service.pid) - cpu0);
    const total = out.truncated?.original_bytes ?? Buffer.byteLength(out.output);
    if (total !== bytes) throw new Error(`service reports ${total} bytes, expected ${bytes}`);
    if (out.exit_code !== 0) throw new Error(`service: exit code ${out.exit_code}`);
    return mbps(ms);
  };

  // CPU of the reading process per run (the floor: this process; the service: its process, all threads).
  const cpuMs = { floor: [] as number[], service: [] as number[], detached: [] as number[] };
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
    r.detachedRatio.push(s / d);
    detail(`round ${round + 1}: node ring ${f.toFixed(0)} MB/s | service ${s.toFixed(0)} MB/s | node ring, child setsid + nice ${childNice ?? 'unchanged'} ${d.toFixed(0)} MB/s`);
  }
  detail(`node pipe+ring            ${fmtSpread(r.floor, 0, ' MB/s')}`);
  detail(`service                   ${fmtSpread(r.service, 0, ' MB/s')}`);
  detail(`node pipe+ring, same child priority  ${fmtSpread(r.detached, 0, ' MB/s')}   (setsid + the service's child niceness)`);
  detail(`reader CPU per run: node ${fmtSpread(cpuMs.floor, 0, ' ms')} | service ${fmtSpread(cpuMs.service, 0, ' ms')} | node, same priority ${fmtSpread(cpuMs.detached, 0, ' ms')}`);
  detail(`RATIO service/node ${fmtSpread(r.ratio)}   service/node same priority ${fmtSpread(r.detachedRatio)}   (median [min..max] over ${r.ratio.length} rounds)`);
  return [
    {
      measurement: `2 ingest ${(bytes / 2 ** 30).toFixed(bytes % 2 ** 30 === 0 ? 0 : 2)} GiB, floor at the same child priority`,
      metric: 'MB/s',
      floor: median(r.detached).toFixed(0),
      service: median(r.service).toFixed(0),
      ratio: fmtSpread(r.detachedRatio),
      target: '>= 0.9',
      met: median(r.detachedRatio) >= 0.9,
    },
    {
      measurement: `2 ingest, plain floor (child nice 0, same session)`,
      metric: 'MB/s',
      floor: median(r.floor).toFixed(0),
      service: median(r.service).toFixed(0),
      ratio: fmtSpread(r.ratio),
      target: '(diagnostic)',
      met: null,
    },
  ];
}
