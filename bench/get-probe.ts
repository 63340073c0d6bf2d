// scratch
import { spawn } from 'node:child_process';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startService } from '../src/service.js';

const log = createLogger({ level: 'warn' });
const s = await startService({ config: loadConfig(process.env, { host: '127.0.0.1', port: 0, logLevel: 'warn' }), log });
const r = await s.supervisor.start({ command: 'echo hello' });
await s.supervisor.waitForExit(r, 5000);
const url = `${s.url}/api/v0/processes/${r.info.id}/output`;
const measure = async (label: string): Promise<void> => {
  for (let i = 0; i < 2; i++) {
    const cpu0 = process.cpuUsage();
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn('node_modules/.bin/autocannon', ['-c', '10', '-d', '2', '-j', url]);
      let text = '';
      child.stdout.on('data', (d) => (text += d));
      child.once('close', () => resolve(text));
      child.once('error', reject);
    });
    const cpu = process.cpuUsage(cpu0);
    const total = JSON.parse(out).requests.total as number;
    console.log(`${label}: ${total / 2} req/s, ${(((cpu.user + cpu.system) / total)).toFixed(1)} µs/req`);
  }
};
await measure('fresh');
const n = Number(process.argv[2] ?? 2000);
console.log(process.memoryUsage());
for (let i = 0; i < n; i++) {
  const x = await s.supervisor.start({ command: 'true' });
  await s.supervisor.waitForExit(x, 5000);
}
await measure(`after ${n} records`);
if (process.argv[3]) {
  const x = await s.supervisor.start({ command: 'head -c 1073741824 /dev/zero' });
  await s.supervisor.waitForExit(x, 60000);
  await measure('after 1 GiB');
  (globalThis as { gc?: () => void }).gc?.();
  await measure('after 1 GiB + gc');
  console.log(process.memoryUsage());
}

await s.close();
