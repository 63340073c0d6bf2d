import type { ServerChild } from '../lib/children.js';
import { requestJson } from '../lib/http.js';
import { pool } from '../lib/load.js';
import { detail, title, type MeasureContext, type Row } from '../lib/report.js';
import { fmt, median, nowMs, percentile, processCpuMs, sleep } from '../lib/stats.js';

export interface WatchOptions {
  /** Processes kept running while the CPU is measured. */
  processes: number;
  /** Span of each CPU reading, ms. */
  windowMs: number;
  /** Latency samples (prompt written → wait=input answered), taken 10 at a time. */
  samples: number;
}

const API = '/api/v0/processes';

async function start(server: ServerChild, command: string): Promise<string> {
  const { body } = await requestJson('POST', `${server.url}${API}/start`, { command, stdin: true });
  const id = (body as { id?: unknown }).id;
  if (typeof id !== 'string') throw new Error(`start: unexpected answer ${JSON.stringify(body)}`);
  return id;
}

async function killAll(server: ServerChild, ids: readonly string[]): Promise<void> {
  await pool(ids.length, 16, async (i) => {
    await requestJson('POST', `${server.url}${API}/${ids[i] ?? ''}/signal`, { signal: 'kill' });
  });
  for (;;) {
    if (((await server.stats()).running ?? 0) === 0) return;
    await sleep(20);
  }
}

/** CPU ms per second of the service's process over `windowMs`, after a warm-up. */
async function cpuRate(server: ServerChild, windowMs: number): Promise<number> {
  // Past the port watch's hurry after the starts (5 s) and the input back-off's top (4 s).
  await sleep(9000);
  const before = processCpuMs(server.pid);
  const t0 = nowMs();
  await sleep(windowMs);
  return (processCpuMs(server.pid) - before) / ((nowMs() - t0) / 1000);
}

/**
 * 6. What watching for input waits and ports costs, and how fast a prompt is seen.
 * CPU: the service's own CPU time per second while `processes` quiet processes with stdin open
 * run (`sleep`: re-checked on the back-off, up to 4 s apart, the worst case; and `read`: found
 * waiting once, then not looked at again), with the watch on vs a service with `processWatch:
 * false`. Latency: a process prints a nanosecond timestamp (`date +%s%N`) and then reads; the time from that stamp to the answer of
 * `wait=input` arriving, 10 processes at a time.
 */
export async function measureWatch(ctx: MeasureContext, on: ServerChild, off: ServerChild, options: WatchOptions): Promise<Row[]> {
  title(`6. process watch: CPU with ${options.processes} quiet stdin processes, and input-detection latency`);
  const rows: Row[] = [];
  for (const [scenario, command] of [
    ['sleeping', 'exec sleep 600'],
    ['waiting for input', 'printf "ready? "; read answer'],
  ] as const) {
    const rates = { on: [] as number[], off: [] as number[] };
    for (let round = 0; round < ctx.rounds; round++) {
      for (const [name, server] of [['on', on], ['off', off]] as const) {
        const ids: string[] = [];
        await pool(options.processes, 8, async () => void ids.push(await start(server, command)));
        rates[name].push(await cpuRate(server, options.windowMs));
        await killAll(server, ids);
      }
      detail(`${scenario}, round ${round + 1}: watch on ${fmt(rates.on.at(-1) ?? NaN, 1)} CPU ms/s, off ${fmt(rates.off.at(-1) ?? NaN, 1)} CPU ms/s`);
    }
    const extra = median(rates.on) - median(rates.off);
    detail(`${scenario}: the watch costs ${fmt(extra, 1)} CPU ms per second (${fmt(extra / 10, 2)} % of a core) for ${options.processes} processes`);
    rows.push({
      measurement: `6 watch, ${options.processes} ${scenario}`,
      metric: 'service CPU ms/s',
      floor: `${fmt(median(rates.off), 1)} (off)`,
      service: `${fmt(median(rates.on), 1)} (on)`,
      ratio: `+${fmt(extra, 1)} ms/s`,
      target: '-',
      met: null,
    });
  }

  const latencies: number[] = [];
  while (latencies.length < options.samples && (latencies.length < 10 || nowMs() < ctx.until)) {
    const batch = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const id = await start(on, 'sleep 0.3; date +%s%N; read answer');
        const { body } = await requestJson('GET', `${on.url}${API}/${id}/output?wait=input&timeout_ms=20000`);
        const answeredAt = Date.now();
        const answer = body as { output?: string; wait_result?: string };
        if (answer.wait_result !== 'input') throw new Error(`wait=input ended with ${answer.wait_result ?? JSON.stringify(body)}`);
        const stamp = (answer.output ?? '').trim().split('\n')[0] ?? '';
        if (!/^\d{19}$/.test(stamp)) throw new Error(`wait=input answered before the prompt was read: ${JSON.stringify(answer.output)}`);
        const stampNs = BigInt(stamp);
        await requestJson('POST', `${on.url}${API}/${id}/input`, { text: 'y\n' });
        return answeredAt - Number(stampNs / 1_000_000n);
      }),
    );
    latencies.push(...batch);
  }
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  detail(`prompt → wait=input answered: p50 ${fmt(p50, 0)} ms, p99 ${fmt(p99, 0)} ms over ${latencies.length} prompts (settle time 300 ms, tick 100 ms)`);
  rows.push({ measurement: '6 watch, input detection', metric: 'prompt → answer p50 / p99', floor: 'settle 300 ms', service: `${fmt(p50, 0)} / ${fmt(p99, 0)} ms`, ratio: '-', target: 'p99 <= 600 ms', met: p99 <= 600 });
  return rows;
}
