import autocannon from 'autocannon';
import type { ServerChild } from '../lib/children.js';
import { ServiceClient } from '../lib/http.js';
import { detail, judged, title, type MeasureContext, type Row } from '../lib/report.js';
import { fmtSpread, median, nowMs, processCpuMs } from '../lib/stats.js';

export interface HttpOptions {
  conns: number[];
  durationSec: number;
}

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  /** CPU the server process used per answered request, µs (user + system). */
  cpuUs: number;
}

async function load(url: string, serverPid: number, connections: number, durationSec: number): Promise<LoadResult> {
  const cpu0 = processCpuMs(serverPid);
  const result = await autocannon({ url, connections, duration: durationSec, timeout: 10 });
  const cpuMs = processCpuMs(serverPid) - cpu0;
  const failures = result.errors + result.timeouts + result.non2xx;
  if (failures > 0) throw new Error(`${url}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx`);
  return { rps: result.requests.total / result.duration, p50: result.latency.p50, p99: result.latency.p99, cpuUs: (cpuMs * 1000) / result.requests.total };
}

/**
 * 3. `GET /{id}/output` of a finished `echo hello` on the service vs the same-size JSON from a
 * bare Koa 3 + @koa/router route (the framework floor) and from bare node:http (the ceiling,
 * informational). Each server in its own process, autocannon in this one, keep-alive, slots
 * rotated per round; ratios service/koa per round. Also the CPU each server process used per
 * request (from /proc), which is steadier than req/s on a loaded machine: autocannon itself
 * takes most of a core.
 */
export async function measureHttp(ctx: MeasureContext, service: ServerChild, koa: ServerChild, bare: ServerChild, options: HttpOptions): Promise<Row[]> {
  title(`3. GET /{id}/output of a finished \`echo hello\`: req/s, autocannon ${options.durationSec}s slots, keep-alive`);
  const client = new ServiceClient(service.url);
  const id = await client.start('echo hello');
  const out = await client.output(id, true);
  if (out.output !== 'hello\n') throw new Error(`echo hello gave ${JSON.stringify(out.output)}`);
  const path = client.outputPath(id, false);
  const targets = [
    { name: 'service', url: `${service.url}${path}`, pid: service.pid },
    { name: 'koa', url: `${koa.url}${path}`, pid: koa.pid },
    { name: 'bare', url: `${bare.url}${path}`, pid: bare.pid },
  ];
  for (const target of targets) await load(target.url, target.pid, 10, 1); // warm-up (JIT)

  type Series = { rps: number[]; p50: number[]; p99: number[]; cpuUs: number[] };
  const results = new Map<string, Series>();
  const series = (name: string, conns: number): Series => {
    const key = `${name}@${conns}`;
    let s = results.get(key);
    if (!s) results.set(key, (s = { rps: [], p50: [], p99: [], cpuUs: [] }));
    return s;
  };
  const ratios = new Map<number, { koa: number[]; bare: number[] }>(options.conns.map((c) => [c, { koa: [], bare: [] }]));
  const slotMs = options.durationSec * 1000 + 200;
  for (let round = 0; round < ctx.rounds && (round < 1 || nowMs() + slotMs * targets.length * options.conns.length < ctx.until); round++) {
    for (const conns of options.conns) {
      const got = new Map<string, LoadResult>();
      // Rotate the order so that no target always runs first (or right after another).
      for (let k = 0; k < targets.length; k++) {
        const target = targets[(k + round) % targets.length];
        if (!target) continue;
        const r = await load(target.url, target.pid, conns, options.durationSec);
        got.set(target.name, r);
        const s = series(target.name, conns);
        s.rps.push(r.rps);
        s.p50.push(r.p50);
        s.p99.push(r.p99);
        s.cpuUs.push(r.cpuUs);
      }
      const svc = got.get('service')?.rps ?? Number.NaN;
      const rr = ratios.get(conns);
      rr?.koa.push(svc / (got.get('koa')?.rps ?? Number.NaN));
      rr?.bare.push(svc / (got.get('bare')?.rps ?? Number.NaN));
      detail(`round ${round + 1} c=${conns}: ${targets.map((t) => `${t.name} ${(got.get(t.name)?.rps ?? Number.NaN).toFixed(0)}`).join(' | ')} req/s`);
    }
  }
  const rows: Row[] = [];
  for (const conns of options.conns) {
    for (const target of targets) {
      const s = series(target.name, conns);
      detail(
        `${target.name.padEnd(8)} c=${String(conns).padEnd(4)} req/s ${fmtSpread(s.rps, 0).padEnd(22)} p50 ${fmtSpread(s.p50, 1, 'ms').padEnd(22)} ` +
          `p99 ${fmtSpread(s.p99, 1, 'ms').padEnd(22)} server CPU/request ${fmtSpread(s.cpuUs, 0, 'µs')}`,
      );
    }
    const rr = ratios.get(conns) ?? { koa: [], bare: [] };
    detail(`RATIO service/koa c=${conns}: ${fmtSpread(rr.koa)}   service/bare node:http: ${fmtSpread(rr.bare)}`);
    rows.push({
      measurement: `3 GET output c=${conns}`,
      metric: 'req/s vs koa',
      floor: median(series('koa', conns).rps).toFixed(0),
      service: median(series('service', conns).rps).toFixed(0),
      ...judged(rr.koa, '>= 0.9'),
    });
    rows.push({
      measurement: `3 GET output c=${conns}`,
      metric: 'server CPU µs/req',
      floor: median(series('koa', conns).cpuUs).toFixed(0),
      service: median(series('service', conns).cpuUs).toFixed(0),
      ratio: (median(series('service', conns).cpuUs) / median(series('koa', conns).cpuUs)).toFixed(2),
      target: '(info)',
      met: null,
    });
  }
  return rows;
}
