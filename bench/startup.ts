/**
 * `npm run bench:startup`: time from spawning the service to its first `GET /healthz` answer,
 * for the compiled build (dist/, what `npm start` and the bin run) against the same code loaded
 * through the tsx runtime loader (what they ran before the build existed). The variants run
 * interleaved, one trial each per round, so machine load hits them alike; the summary is the
 * median [min..max] per variant and the ratio of medians. Needs `npm run build` first.
 *
 *   npm run bench:startup                  # 7 rounds
 *   npm run bench:startup -- --rounds=15
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCE = ['--conditions=procvisor-source', '--import', 'tsx'];

/** Each variant: node arguments that start the service on port 0 (it logs its URL on stdout). */
const VARIANTS: Record<string, string[]> = {
  'npm start, compiled (node dist/main.js)': ['dist/main.js'],
  'npm start, tsx (node --import tsx src/main.ts)': [...SOURCE, 'src/main.ts'],
  'procvisor serve, compiled (bin → dist/)': ['bin/procvisor.js', 'serve'],
  'procvisor serve, tsx (bin → src/)': [...SOURCE, 'bin/procvisor.js', 'serve'],
};

/** Milliseconds from spawn to the first 200 of `/healthz`; the service is then stopped (SIGTERM). */
async function trial(args: string[]): Promise<number> {
  const start = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', PROCVISOR_PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg !== 'procvisor listening' || entry.url === undefined) continue;
      const response = await fetch(`${entry.url}/healthz`);
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`/healthz answered ${response.status}`);
      return performance.now() - start;
    }
    throw new Error(`the service exited before listening: node ${args.join(' ')}`);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? NaN) : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
}

async function main(): Promise<void> {
  if (!existsSync(new URL('../dist/main.js', import.meta.url))) throw new Error('dist/ is missing: run `npm run build` first');
  const rounds = Number(/^--rounds=(\d+)$/.exec(process.argv[2] ?? '')?.[1] ?? 7);
  const names = Object.keys(VARIANTS);
  const times = new Map<string, number[]>(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    // Rotate the order each round so no variant always runs first (cold caches) or last.
    for (let index = 0; index < names.length; index++) {
      const name = names[(index + round) % names.length] as string;
      times.get(name)?.push(await trial(VARIANTS[name] as string[]));
    }
  }
  const medians = new Map(names.map((name) => [name, median(times.get(name) ?? [])]));
  for (const name of names) {
    const values = times.get(name) ?? [];
    console.log(`${name.padEnd(50)} median ${(medians.get(name) ?? NaN).toFixed(0)} ms [${Math.min(...values).toFixed(0)}..${Math.max(...values).toFixed(0)}] over ${values.length}`);
  }
  for (let index = 0; index < names.length; index += 2) {
    const compiled = medians.get(names[index] as string) ?? NaN;
    const loader = medians.get(names[index + 1] as string) ?? NaN;
    console.log(`${(names[index] as string).split(',')[0]}: compiled/tsx = ${(compiled / loader).toFixed(2)}`);
  }
}

await main();
