import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { detail, title, type MeasureContext, type Row } from '../lib/report.js';
import { fmtSpread, median } from '../lib/stats.js';

const run = promisify(execFile);
const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));

export interface EngineOptions {
  slotMs: number;
  /** The big service's touched memory. */
  bigMiB: number;
}

interface Probe {
  rssMiB: number;
  p50: { native: number[]; pipe: number[]; raw: number[] };
}

async function probe(touchMiB: number, slotMs: number, rounds: number): Promise<Probe> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', join(BENCH_DIR, 'engine-probe.ts'), `--touch-mib=${touchMiB}`, `--slot-ms=${slotMs}`, `--rounds=${rounds}`], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Probe;
}

async function cFloor(slotMs: number, touchMiB: number): Promise<number[]> {
  const bin = join(tmpdir(), 'procvisor-bench-posix-spawn');
  const src = join(BENCH_DIR, 'floor', 'posix-spawn.c');
  if (!existsSync(bin) || statSync(bin).mtimeMs < statSync(src).mtimeMs) await run('cc', ['-O2', '-o', bin, src]);
  const out: number[] = [];
  for (let i = 0; i < 3; i++) {
    const { stdout } = await run(bin, [String(slotMs), String(touchMiB)]);
    out.push((JSON.parse(stdout) as { p50_ms: number }).p50_ms);
  }
  return out;
}

/**
 * 6. The spawn engine alone, outside HTTP: `sh -c true` → closed through the native spawner,
 * the child_process pipe spawner and raw child_process.spawn, in a small process and in one
 * with `bigMiB` touched (fork copies page tables, posix_spawn does not); and a C posix_spawn +
 * waitpid floor of each size. Each size runs in its own process.
 */
export async function measureEngine(ctx: MeasureContext, options: EngineOptions): Promise<Row[]> {
  title(`6. spawn engine: native (posix_spawn) vs child_process vs C posix_spawn; small process and ${options.bigMiB} MiB`);
  const rows: Row[] = [];
  for (const touchMiB of [0, options.bigMiB]) {
    const p = await probe(touchMiB, options.slotMs, ctx.rounds);
    const floor = await cFloor(options.slotMs, touchMiB).catch((error: unknown) => {
      detail(`C floor unavailable: ${String(error)}`);
      return [Number.NaN];
    });
    const size = touchMiB === 0 ? 'small' : `${touchMiB} MiB`;
    detail(`${size} (rss ${p.rssMiB} MiB) p50 ms: native ${fmtSpread(p.p50.native)} | pipe spawner ${fmtSpread(p.p50.pipe)} | raw child_process ${fmtSpread(p.p50.raw)} | C posix_spawn ${fmtSpread(floor)}`);
    const native = median(p.p50.native);
    const raw = median(p.p50.raw);
    const c = median(floor);
    rows.push(
      {
        measurement: `6 spawn engine, ${size}`,
        metric: 'native vs child_process p50',
        floor: `${raw.toFixed(2)} ms`,
        service: `${native.toFixed(2)} ms`,
        ratio: (native / raw).toFixed(2),
        target: '< 1.0',
        met: native < raw,
      },
      {
        measurement: `6 spawn engine, ${size}`,
        metric: 'native vs C posix_spawn p50',
        floor: `${c.toFixed(2)} ms`,
        service: `${native.toFixed(2)} ms`,
        ratio: (native / c).toFixed(2),
        target: '-',
        met: null,
      },
    );
  }
  return rows;
}
