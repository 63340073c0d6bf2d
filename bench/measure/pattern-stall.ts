import type { ServerChild } from '../lib/children.js';
import { detail, title, type Row } from '../lib/report.js';
import { nowMs } from '../lib/stats.js';

/**
 * 7. Pattern stall: a process writes one line of `bytes` × `a`, then a client waits for
 * `(a+)+$b` over it (a catastrophically backtracking pattern for a backtracking engine) while
 * `/healthz` is asked every 50 ms. Reports the slowest /healthz answer and how long the match
 * wait took. Before RE2 (JavaScript RegExp on the last 256 KiB) /healthz stalled 10.5 s.
 */
export async function measurePatternStall(service: ServerChild, options: { bytes: number }): Promise<Row[]> {
  title(`7. pattern stall: wait=match "(a+)+$b" over a ${options.bytes}-byte line of "a", /healthz every 50 ms`);
  const api = `${service.url}/api/v0/processes`;
  const start = await fetch(`${api}/start`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ command: `${JSON.stringify(process.execPath)} -e "process.stdout.write('a'.repeat(${options.bytes}))"` }),
  });
  const { id } = (await start.json()) as { id: string };
  await (await fetch(`${api}/${id}/output?wait=true`)).text();
  let done = false;
  let worstMs = 0;
  const probe = (async () => {
    while (!done) {
      const t0 = nowMs();
      await (await fetch(`${service.url}/healthz`)).text();
      worstMs = Math.max(worstMs, nowMs() - t0);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  const t0 = nowMs();
  const answer = (await (await fetch(`${api}/${id}/output?wait=match&cursor=0&omit_output=true&timeout_ms=60000&pattern=${encodeURIComponent('(a+)+$b')}`)).json()) as { wait_result: string };
  const waitMs = nowMs() - t0;
  done = true;
  await probe;
  detail(`match wait: ${answer.wait_result} after ${waitMs.toFixed(0)} ms; slowest /healthz ${worstMs.toFixed(1)} ms`);
  return [
    { measurement: 'patterns', metric: 'slowest /healthz during a pathological match wait', floor: '10500 ms (JS RegExp, before)', service: `${worstMs.toFixed(1)} ms`, ratio: (worstMs / 10_500).toFixed(4), target: '< 100 ms', met: worstMs < 100 },
  ];
}
