import type { ServerChild } from '../lib/children.js';
import { HeldRequests } from '../lib/held.js';
import { requestJson, ServiceClient } from '../lib/http.js';
import { detail, title, type MeasureContext, type Row } from '../lib/report.js';
import { fmtSpread, median, nowMs, percentile, processCpuMs, sleep } from '../lib/stats.js';

export interface LongpollOptions {
  n: number;
  /** Longest wait for all requests to be answered after the event. */
  wakeTimeoutMs: number;
}

interface Wake {
  /** Event sent → last answer received, ms. */
  allMs: number;
  p50Ms: number;
  /** RSS growth per held request, KiB (after a full GC on both sides). */
  kibPerHeld: number;
  /** CPU the server process used from the event to the last answer, per answer, µs. */
  cpuUsPerAnswer: number;
}

async function untilHeld(server: ServerChild, n: number, held: HeldRequests, timeoutMs = 30_000): Promise<void> {
  const t0 = nowMs();
  for (;;) {
    const stats = await server.stats();
    if (stats.held >= n) return;
    if (held.settled > 0) throw new Error(`${server.name}: ${held.settled} requests answered or failed before the event`);
    if (nowMs() - t0 > timeoutMs) throw new Error(`${server.name}: only ${stats.held} of ${n} requests parked after ${timeoutMs} ms`);
    await sleep(25);
  }
}

/** Holds `n` requests on `path`, waits until the server parked all, fires `event`, times the answers. */
async function wakeAll(server: ServerChild, path: string, n: number, event: () => Promise<unknown>, wakeTimeoutMs: number): Promise<Wake> {
  const port = Number(new URL(server.url).port);
  const before = await server.stats(true);
  const held = new HeldRequests(n);
  try {
    await held.open(port, path);
    await untilHeld(server, n, held);
    const parked = await server.stats(true);
    const cpu0 = processCpuMs(server.pid);
    const t0 = nowMs();
    await event();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), wakeTimeoutMs)));
    const result = await Promise.race([held.done, timeout]);
    clearTimeout(timer);
    const cpuMs = processCpuMs(server.pid) - cpu0;
    if (result === null) throw new Error(`${server.name}: ${held.answered} of ${n} long polls answered ${wakeTimeoutMs} ms after the event`);
    if (result.failed > 0) throw new Error(`${server.name}: ${result.failed} of ${n} long polls failed: ${result.firstError ?? ''}`);
    const wake = result.times.map((t) => t - t0);
    return { allMs: Math.max(...wake), p50Ms: percentile(wake, 50), kibPerHeld: (parked.rss - before.rss) / 1024 / n, cpuUsPerAnswer: (cpuMs * 1000) / n };
  } finally {
    held.close();
  }
}

/**
 * 4. N concurrent `GET /{id}/output?wait=true` on one `sleep 300`, woken by one
 * `POST /{id}/signal {"signal":"kill"}`, vs a bare node:http server holding N requests until
 * `POST /fire`. Time from sending the event to the last complete answer; ratio service/floor.
 */
export async function measureLongpoll(ctx: MeasureContext, service: ServerChild, floor: ServerChild, options: LongpollOptions): Promise<Row[]> {
  const { n } = options;
  title(`4. ${n} concurrent long polls woken by one event: service (?wait=true + signal kill) vs bare node:http long-poll floor`);
  const client = new ServiceClient(service.url);
  const floorRun = (count = n): Promise<Wake> => wakeAll(floor, '/wait', count, () => requestJson('POST', `${floor.url}/fire`, {}), options.wakeTimeoutMs);
  const serviceRun = async (count = n): Promise<Wake> => {
    const id = await client.start('sleep 300');
    return wakeAll(service, client.outputPath(id, true), count, () => client.signal(id, 'kill'), options.wakeTimeoutMs);
  };
  // Warm-up (JIT, first connections) on both sides, not counted.
  await floorRun(Math.min(n, 500));
  await serviceRun(Math.min(n, 500));
  const r = { floor: [] as number[], svc: [] as number[], floorP50: [] as number[], svcP50: [] as number[], floorKiB: [] as number[], svcKiB: [] as number[], floorCpu: [] as number[], svcCpu: [] as number[], ratio: [] as number[] };
  let roundMs = 0;
  for (let round = 0; round < ctx.rounds && (round < 1 || nowMs() + roundMs < ctx.until); round++) {
    const t0 = nowMs();
    let f: Wake;
    let s: Wake;
    if (round % 2 === 0) {
      f = await floorRun();
      s = await serviceRun();
    } else {
      s = await serviceRun();
      f = await floorRun();
    }
    roundMs = nowMs() - t0;
    r.floor.push(f.allMs);
    r.svc.push(s.allMs);
    r.floorP50.push(f.p50Ms);
    r.svcP50.push(s.p50Ms);
    r.floorKiB.push(f.kibPerHeld);
    r.svcKiB.push(s.kibPerHeld);
    r.floorCpu.push(f.cpuUsPerAnswer);
    r.svcCpu.push(s.cpuUsPerAnswer);
    r.ratio.push(s.allMs / f.allMs);
    detail(`round ${round + 1}: floor wake-all ${f.allMs.toFixed(1)} ms (p50 ${f.p50Ms.toFixed(1)}) | service wake-all ${s.allMs.toFixed(1)} ms (p50 ${s.p50Ms.toFixed(1)})  [round ${(roundMs / 1000).toFixed(1)} s]`);
  }
  detail(`floor    wake-all ${fmtSpread(r.floor, 1, 'ms')}  p50 ${fmtSpread(r.floorP50, 1, 'ms')}  RSS/held ${fmtSpread(r.floorKiB, 2, 'KiB')} (noisy: freed memory is not returned)  server CPU/answer ${fmtSpread(r.floorCpu, 0, 'µs')}`);
  detail(`service  wake-all ${fmtSpread(r.svc, 1, 'ms')}  p50 ${fmtSpread(r.svcP50, 1, 'ms')}  RSS/held ${fmtSpread(r.svcKiB, 2, 'KiB')}  server CPU/answer ${fmtSpread(r.svcCpu, 0, 'µs')}`);
  detail(`RATIO service/floor wake-all ${fmtSpread(r.ratio)}   (median [min..max] over ${r.ratio.length} rounds)`);
  return [
    {
      measurement: `4 wake ${n} long polls`,
      metric: 'wake-all ms',
      floor: median(r.floor).toFixed(1),
      service: median(r.svc).toFixed(1),
      ratio: fmtSpread(r.ratio),
      target: '(none set)',
      met: null,
    },
    {
      measurement: `4 wake ${n} long polls`,
      metric: 'server CPU µs/answer',
      floor: median(r.floorCpu).toFixed(0),
      service: median(r.svcCpu).toFixed(0),
      ratio: (median(r.svcCpu) / median(r.floorCpu)).toFixed(2),
      target: '<= 1.3',
      met: median(r.svcCpu) / median(r.floorCpu) <= 1.3,
    },
  ];
}
