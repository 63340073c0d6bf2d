/**
 * `npm run bench`: the procvisor benchmarks. Each measurement interleaves a floor and the
 * service under test in the same run and reports service/floor ratios; see bench/README.md.
 *
 *   npm run bench                              # everything, ~4-5 minutes
 *   npm run bench -- --only=spawn,http         # some measurements (spawn,output,http,longpoll,records,engine,durable,sentinel,watch,economy,patterns)
 *   npm run bench -- --quick                   # smaller sizes, fewer rounds (~1.5 minutes)
 *   npm run bench -- --rounds=5 --time-limit=600
 *
 * The service runs in its own process (bench/serve.ts, LOG_LEVEL=warn unless set), as do the
 * floor servers (bench/floors.ts); loads and raw-spawn floors run in this process. Loopback only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerChild, terminateAllChildren } from './lib/children.js';
import type { MeasureContext, Row } from './lib/report.js';
import { nowMs, table } from './lib/stats.js';
import { measureDurable } from './measure/durable.js';
import { measureEconomy } from './measure/economy.js';
import { measureEngine } from './measure/engine.js';
import { measureHttp } from './measure/http-load.js';
import { measureLongpoll } from './measure/longpoll.js';
import { measureOutput } from './measure/output.js';
import { measurePatternStall } from './measure/pattern-stall.js';
import { measureRecords } from './measure/records.js';
import { measureSentinel } from './measure/sentinel.js';
import { measureSpawn } from './measure/spawn.js';
import { measureWatch } from './measure/watch.js';

const ALL = ['spawn', 'output', 'http', 'longpoll', 'records', 'engine', 'durable', 'sentinel', 'watch', 'economy', 'patterns'] as const;
type Name = (typeof ALL)[number];

interface Options {
  only: Set<Name>;
  quick: boolean;
  rounds: number | null;
  timeLimitSec: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { only: new Set(ALL), quick: false, rounds: null, timeLimitSec: 540 };
  for (const arg of argv) {
    const [key, value = ''] = arg.replace(/^--/, '').split('=', 2) as [string, string?];
    if (key === 'quick') options.quick = true;
    else if (key === 'rounds') options.rounds = Number(value);
    else if (key === 'time-limit') options.timeLimitSec = Number(value);
    else if (key === 'only') {
      const names = value.split(',').filter(Boolean);
      const unknown = names.filter((name) => !(ALL as readonly string[]).includes(name));
      if (unknown.length > 0) throw new Error(`unknown measurement(s) ${unknown.join(', ')}; known: ${ALL.join(', ')}`);
      options.only = new Set(names as Name[]);
    } else throw new Error(`unknown option ${arg}`);
  }
  if (options.rounds !== null && !(options.rounds >= 1)) throw new Error('--rounds must be >= 1');
  if (!(options.timeLimitSec > 0)) throw new Error('--time-limit must be > 0');
  return options;
}

/** Config of the services of measurement 5: nothing reaped while it runs. */
const KEEP_RECORDS = { maxExitedRecords: 20_000, reapAfterMs: 3_600_000 };

const rows: Row[] = [];
const failures: string[] = [];

function printSummary(): void {
  process.stdout.write('\n== summary (ratio = service/floor, median [min..max] over rounds of this run)\n');
  const body = rows.map((r) => [r.measurement, r.metric, r.floor, r.service, r.ratio, r.target, r.met === null ? '-' : r.met ? 'MET' : 'MISSED']);
  process.stdout.write(`${table(['measurement', 'metric', 'floor', 'service', 'ratio', 'target', 'result'], body)}\n`);
  for (const failure of failures) process.stdout.write(`FAILED ${failure}\n`);
  process.stdout.write(`load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const q = options.quick;
  const rounds = (normal: number, quick: number): number => options.rounds ?? (q ? quick : normal);
  const started = nowMs();
  const deadline = setTimeout(() => {
    process.stdout.write(`\nbench: time limit of ${options.timeLimitSec} s reached, stopping\n`);
    printSummary();
    terminateAllChildren().then(
      () => process.exit(3),
      () => process.exit(3),
    );
  }, options.timeLimitSec * 1000);
  process.stdout.write(`procvisor bench: node ${process.version}, pid ${process.pid}, measurements ${[...options.only].join(', ')}${q ? ' (quick)' : ''}\n`);
  // The machine's load with the numbers: ratios are same-run, but absolute times are not comparable across loads.
  process.stdout.write(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${availableParallelism()} cpus\n`);

  const context = (budgetSec: number, normalRounds: number, quickRounds: number): MeasureContext => ({
    until: nowMs() + budgetSec * 1000,
    rounds: rounds(normalRounds, quickRounds),
  });
  const attempt = async (name: Name, run: () => Promise<Row[]>): Promise<void> => {
    if (!options.only.has(name)) return;
    try {
      rows.push(...(await run()));
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.stdout.write(`  ERROR in ${name}: ${message}\n`);
      failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  const needMain = ['spawn', 'output', 'http', 'longpoll'].some((name) => options.only.has(name as Name));
  if (needMain) {
    const service = await ServerChild.service('service');
    const koa = options.only.has('http') ? await ServerChild.floor('koa') : null;
    const bare = options.only.has('http') ? await ServerChild.floor('bare') : null;
    const longpoll = options.only.has('longpoll') ? await ServerChild.floor('longpoll') : null;
    process.stdout.write(`service under test: ${service.url} (pid ${service.pid})\n`);
    try {
      await attempt('spawn', () => measureSpawn(context(30, 5, 3), service, { slotMs: q ? 500 : 1000 }));
      await attempt('output', () => measureOutput(context(60, 4, 2), service, { bytes: q ? 2 ** 28 : 2 ** 30 }));
      if (koa && bare) await attempt('http', () => measureHttp(context(60, 3, 1), service, koa, bare, { conns: [10, 100], durationSec: q ? 1 : 2 }));
      if (longpoll) await attempt('longpoll', () => measureLongpoll(context(60, 3, 1), service, longpoll, { n: q ? 2000 : 10_000, wakeTimeoutMs: 20_000 }));
    } finally {
      await Promise.all([service.stop(), koa?.stop(), bare?.stop(), longpoll?.stop()]);
    }
  }

  if (options.only.has('records')) {
    const empty = await ServerChild.service('service (no records)', KEEP_RECORDS);
    const full = await ServerChild.service('service (records)', KEEP_RECORDS);
    try {
      await attempt('records', () =>
        measureRecords(context(220, 5, 3), empty, full, { records: q ? 2000 : 10_000, slotMs: q ? 500 : 1000, fillBudgetMs: q ? 20_000 : 150_000 }),
      );
    } finally {
      await Promise.all([empty.stop(), full.stop()]);
    }
  }

  await attempt('engine', () => measureEngine(context(60, 3, 2), { slotMs: q ? 400 : 800, bigMiB: 1024 }));
  if (options.only.has('durable')) {
    const dataDir = mkdtempSync(join(tmpdir(), 'procvisor-bench-'));
    const memory = await ServerChild.service('service (no dataDir)');
    const durable = await ServerChild.service('service (dataDir)', { dataDir });
    try {
      await attempt('durable', () => measureDurable(context(40, 5, 3), memory, durable, { slotMs: q ? 500 : 1000 }));
    } finally {
      await Promise.all([memory.stop(), durable.stop()]);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }

  await attempt('sentinel', () => measureSentinel({ starts: q ? 20 : 50, groups: q ? 2000 : 10_000 }));

  if (options.only.has('watch')) {
    const on = await ServerChild.service('service (watch on)');
    const off = await ServerChild.service('service (watch off)', { processWatch: false });
    try {
      await attempt('watch', () => measureWatch(context(200, 1, 1), on, off, { processes: 100, windowMs: q ? 3000 : 5000, samples: q ? 20 : 50 }));
    } finally {
      await Promise.all([on.stop(), off.stop()]);
    }
  }

  if (options.only.has('economy') || options.only.has('patterns')) {
    const service = await ServerChild.service('service (economy)');
    try {
      await attempt('economy', () => measureEconomy(service));
      await attempt('patterns', () => measurePatternStall(service, { bytes: q ? 1_000_000 : 4_000_000 }));
    } finally {
      await service.stop();
    }
  }

  clearTimeout(deadline);
  printSummary();
  process.stdout.write(`total ${((nowMs() - started) / 1000).toFixed(0)} s\n`);
  process.exitCode = failures.length > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  printSummary();
  terminateAllChildren().then(
    () => process.exit(1),
    () => process.exit(1),
  );
});
