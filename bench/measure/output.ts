import type { ServerChild } from '../lib/children.js';
import { HeadRing } from '../lib/head-tail.js';
import { ServiceClient } from '../lib/http.js';
import { rawSpawn } from '../lib/load.js';
import { detail, judged, title, type MeasureContext, type Row } from '../lib/report.js';
import { fmtSpread, median, nowMs, processCpuMs, processIoCounts } from '../lib/stats.js';
import { defaultPriority } from '../../src/spawn/priority.js';

export interface OutputOptions {
  bytes: number;
}

const SLOTS = ['floor', 'detached', 'inService', 'service'] as const;
type Slot = (typeof SLOTS)[number];

/**
 * 2. Output ingestion: `head -c BYTES /dev/zero` through the service (start + wait) vs a
 * `child_process.spawn` of the same `sh -c` command whose every chunk is copied into a 16 KiB
 * head + 16 KiB ring. MB/s = 1e6 bytes/s; ratios service/floor per round. Three floors:
 * - plain: in this (driver) process, child at this process's niceness, same session;
 * - same priority: in this process, the child run as the service's children are: `detached`
 *   (setsid: a new session is a new scheduler autogroup on Linux) and at the service's child
 *   niceness (`processPriority`: own + 5);
 * - in the service's process (the target's floor): the same-priority floor run by the service
 *   process itself (an IPC probe). Measured here: on this 2-CPU VM one process can run a whole
 *   run at ~2× the CPU per GiB of another (the reader's CPU per run is printed, it moves with the
 *   process, not with the code it runs), so only a floor in the same process isolates what
 *   procvisor's own path costs.
 */
export async function measureOutput(ctx: MeasureContext, service: ServerChild, options: OutputOptions): Promise<Row[]> {
  const { bytes } = options;
  const command = `head -c ${bytes} /dev/zero`;
  title(`2. output ingestion of ${bytes} bytes (${command}): service start+wait vs node pipe → 16 KiB head + 16 KiB ring`);
  const client = new ServiceClient(service.url);
  const mbps = (ms: number): number => bytes / 1e6 / (ms / 1000);
  const childNice = defaultPriority()?.nice;
  const samePriority = { detached: true, ...(childNice === undefined ? {} : { nice: childNice }) };
  // CPU of the reading process per run (the driver's floors: this process; the others: the service's process, all threads).
  const cpuMs: Record<Slot, number[]> = { floor: [], detached: [], inService: [], service: [] };
  const inDriver = async (slot: Slot, spawnOptions: { detached?: boolean; nice?: number }): Promise<number> => {
    const store = new HeadRing(16_384, 16_384);
    const t0 = nowMs();
    const cpu0 = process.cpuUsage();
    await rawSpawn(command, (chunk) => store.write(chunk), spawnOptions);
    const ms = nowMs() - t0;
    if (store.total !== bytes) throw new Error(`floor read ${store.total} bytes, expected ${bytes}`);
    const cpu = process.cpuUsage(cpu0);
    cpuMs[slot].push((cpu.user + cpu.system) / 1000);
    return mbps(ms);
  };
  // The service process's read system calls and context switches per run (how small the reads were).
  const mainCpuMs: Record<'inService' | 'service', number[]> = { inService: [], service: [] };
  const io: Record<'inService' | 'service', { reads: number[]; switches: number[] }> = { inService: { reads: [], switches: [] }, service: { reads: [], switches: [] } };
  const inServiceProcess = async (slot: 'inService' | 'service', run: () => Promise<number>): Promise<number> => {
    const cpu0 = processCpuMs(service.pid);
    const main0 = processCpuMs(service.pid, service.pid);
    const io0 = processIoCounts(service.pid);
    const ms = await run();
    cpuMs[slot].push(processCpuMs(service.pid) - cpu0);
    mainCpuMs[slot].push(processCpuMs(service.pid, service.pid) - main0);
    const io1 = processIoCounts(service.pid);
    io[slot].reads.push(io1.reads - io0.reads);
    io[slot].switches.push(io1.switches - io0.switches);
    return mbps(ms);
  };
  const underTest = async (): Promise<number> => {
    const t0 = nowMs();
    const out = await client.run(command);
    const ms = nowMs() - t0;
    const total = out.truncated?.original_bytes ?? Buffer.byteLength(out.output);
    if (total !== bytes) throw new Error(`service reports ${total} bytes, expected ${bytes}`);
    if (out.exit_code !== 0) throw new Error(`service: exit code ${out.exit_code}`);
    return ms;
  };
  const slots: Record<Slot, () => Promise<number>> = {
    floor: () => inDriver('floor', {}),
    detached: () => inDriver('detached', samePriority),
    inService: () => inServiceProcess('inService', async () => (await service.probe({ kind: 'raw', command, ms: 0, count: 1, ...samePriority }))[0] ?? Number.NaN),
    service: () => inServiceProcess('service', underTest),
  };
  const mb: Record<Slot, number[]> = { floor: [], detached: [], inService: [], service: [] };
  const ratio: Record<Exclude<Slot, 'service'>, number[]> = { floor: [], detached: [], inService: [] };
  let roundMs = 0;
  for (let round = 0; round < ctx.rounds && (round < 2 || nowMs() + roundMs < ctx.until); round++) {
    const t0 = nowMs();
    for (let k = 0; k < SLOTS.length; k++) {
      const name = SLOTS[(k + round) % SLOTS.length]!;
      mb[name].push(await slots[name]());
    }
    roundMs = nowMs() - t0;
    const last = (slot: Slot): number => mb[slot].at(-1) ?? Number.NaN;
    for (const floor of ['floor', 'detached', 'inService'] as const) ratio[floor].push(last('service') / last(floor));
    detail(
      `round ${round + 1}: service ${last('service').toFixed(0)} MB/s | floors: in the service process ${last('inService').toFixed(0)}, ` +
        `driver same priority ${last('detached').toFixed(0)}, driver plain ${last('floor').toFixed(0)} MB/s; ` +
        `service process per run (service | floor): reads ${io.service.reads.at(-1)} | ${io.inService.reads.at(-1)}, switches ${io.service.switches.at(-1)} | ${io.inService.switches.at(-1)}, ` +
        `CPU ms main thread / all ${mainCpuMs.service.at(-1)}/${cpuMs.service.at(-1)} | ${mainCpuMs.inService.at(-1)}/${cpuMs.inService.at(-1)}`,
    );
  }
  detail(`service                                   ${fmtSpread(mb.service, 0, ' MB/s')}   reader CPU/run ${fmtSpread(cpuMs.service, 0, ' ms')}`);
  detail(`floor in the service process, same prio  ${fmtSpread(mb.inService, 0, ' MB/s')}   reader CPU/run ${fmtSpread(cpuMs.inService, 0, ' ms')}`);
  detail(`floor in the driver, same priority       ${fmtSpread(mb.detached, 0, ' MB/s')}   reader CPU/run ${fmtSpread(cpuMs.detached, 0, ' ms')}   (setsid + nice ${childNice ?? 'unchanged'})`);
  detail(`floor in the driver, plain               ${fmtSpread(mb.floor, 0, ' MB/s')}   reader CPU/run ${fmtSpread(cpuMs.floor, 0, ' ms')}`);
  detail(`RATIO service/in-service floor ${fmtSpread(ratio.inService)}   /driver same priority ${fmtSpread(ratio.detached)}   /driver plain ${fmtSpread(ratio.floor)}   (${ratio.floor.length} rounds)`);
  const size = `${(bytes / 2 ** 30).toFixed(bytes % 2 ** 30 === 0 ? 0 : 2)} GiB`;
  const row = (measurement: string, floor: Exclude<Slot, 'service'>, verdict: Pick<Row, 'ratio' | 'target' | 'met'>): Row => ({
    measurement,
    metric: 'MB/s',
    floor: median(mb[floor]).toFixed(0),
    service: median(mb.service).toFixed(0),
    ...verdict,
  });
  const diagnostic = (floor: Exclude<Slot, 'service'>): Pick<Row, 'ratio' | 'target' | 'met'> => ({ ratio: fmtSpread(ratio[floor]), target: '(diagnostic)', met: null });
  return [
    row(`2 ingest ${size}, floor in the service process (same child priority)`, 'inService', judged(ratio.inService, '>= 0.9')),
    row(`2 ingest, floor in the driver, same child priority`, 'detached', diagnostic('detached')),
    row(`2 ingest, floor in the driver, plain`, 'floor', diagnostic('floor')),
  ];
}
