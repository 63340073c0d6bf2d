import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ProcvisorClient } from '../../src/client/procvisor-client.js';
import { createLogger } from '../../src/logger.js';
import { createMcpServer } from '../../src/mcp/mcp-server.js';
import { createChatTools } from '../../src/tools/chat-tools.js';
import type { ServerChild } from '../lib/children.js';
import { detail, title, type Row } from '../lib/report.js';
import { nowMs, percentile, table } from '../lib/stats.js';

/** What one side of a task cost the model. */
interface Tally {
  calls: number;
  bytes: number;
  success: boolean;
  wallMs: number;
  /** How many times the command's side effect ran (1 = never twice). */
  runs?: number;
  note: string;
}

type Json = Record<string, unknown> & { output?: string; cursor?: number; process_id?: string; background_process_id?: string; running?: boolean };

/** A "model" driving tools: each call's text is what the model reads; bytes and calls are counted. */
interface Agent {
  call(name: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<Json>;
  readonly calls: number;
  readonly bytes: number;
}

/** The reference's tool behaviour: the chat tools with the reference's arguments only, their JSON text as the model gets it. */
function referenceAgent(client: ProcvisorClient): Agent {
  const tools = new Map(createChatTools({ client }).map((tool) => [tool.name, tool]));
  let calls = 0;
  let bytes = 0;
  return {
    async call(name, args, signal) {
      calls += 1;
      const response = await tools.get(name)!.run(args, { signal });
      bytes += Buffer.byteLength(response.text);
      return response.isError ? { error: response.text } : (JSON.parse(response.text) as Json);
    },
    get calls() {
      return calls;
    },
    get bytes() {
      return bytes;
    },
  };
}

/** procvisor's tools through its MCP server (in-memory transport): bytes are the text content the model gets. */
async function mcpAgent(client: ProcvisorClient): Promise<Agent & { close(): Promise<void> }> {
  const server = createMcpServer({ tools: createChatTools({ client, processInput: true }), version: 'bench', log: createLogger({ level: 'warn' }, process.stderr) });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const mcp = new Client({ name: 'economy-bench', version: '0' });
  await Promise.all([server.connect(serverSide), mcp.connect(clientSide)]);
  let calls = 0;
  let bytes = 0;
  return {
    async call(name, args, signal) {
      calls += 1;
      const result = await mcp.callTool({ name, arguments: args }, undefined, { timeout: 600_000, ...(signal ? { signal } : {}) });
      const blocks = result.content as { type: string; text: string }[];
      for (const block of blocks) bytes += Buffer.byteLength(block.text);
      if (result.isError) return { error: blocks[0]?.text };
      const fields = (result.structuredContent ?? JSON.parse(blocks[0]?.text ?? '{}')) as Json;
      return blocks.length > 1 ? { ...fields, output: blocks[1]?.text ?? '' } : fields;
    },
    get calls() {
      return calls;
    },
    get bytes() {
      return bytes;
    },
    close: () => mcp.close(),
  };
}

const NODE = JSON.stringify(process.execPath);
const node = (script: string): string => `${NODE} -e ${JSON.stringify(script).replace(/\$/g, '\\$')}`;

interface Task {
  name: string;
  target: string;
  reference(agent: Agent, dir: string): Promise<Omit<Tally, 'calls' | 'bytes' | 'wallMs'>>;
  procvisor(agent: Agent, dir: string): Promise<Omit<Tally, 'calls' | 'bytes' | 'wallMs'>>;
  met?(tally: Tally): boolean;
}

const runs = (dir: string): number => {
  try {
    return readFileSync(join(dir, 'runs'), 'utf8').split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
};

/** A server that says nothing useful and listens on a port it picks itself, after 2 s. */
const PORT_SERVER = node(`console.log('starting'); setTimeout(() => require('http').createServer((q, r) => r.end('ok')).listen(0, '127.0.0.1', function () { console.log('server started') }), 2000)`);
const DEV_SERVER = node(`console.log('vite dev'); setTimeout(() => console.log('ready on :5173'), 2000); setInterval(() => {}, 1000)`);
const PROMPT = (dir: string): string => `echo run >> ${dir}/runs; printf 'Proceed? [y/N] '; read a; if [ "$a" = y ]; then echo applied; else echo aborted; exit 1; fi`;
/** 50 MB of build lines, one error line in the middle, a last line saying how it ended, exit 2. */
const BUILD = node(
  `const line='CC src/module/unit-0000000.o -O2 -Wall -Wextra -fPIC -c\\n';const n=Math.floor(50e6/line.length);let s='';` +
    `for(let i=1;i<=n;i++){s+=i===Math.floor(n/2)?'src/parser.c:4711: error: expected ; before }\\n':line;if(s.length>1<<20){process.stdout.write(s);s=''}}` +
    `process.stdout.write(s+'make: *** [all] Error 2\\n',()=>process.exit(2))`,
);
/** 40 tests, one every 75 ms, each printing ~1 KB. */
const TESTS = node(`let i=0;const t=setInterval(()=>{i++;console.log('ok '+i+' - test '+i+' '+'.'.repeat(1000));if(i===40){clearInterval(t);console.log('# pass 40')}},75)`);
const SLOW_SIDE_EFFECT = (dir: string): string => `sleep 1; echo run >> ${dir}/runs; echo migrated`;
const RUNAWAY = 'while true; do echo tick; sleep 0.2; done';

export const TASKS: Task[] = [
  {
    name: 'dev server',
    target: '1 call, returns at readiness',
    async reference(agent) {
      const started = await agent.call('execute', { command: DEV_SERVER, run_in_background: true });
      const id = started.background_process_id!;
      for (let i = 0; i < 20; i += 1) {
        const check = await agent.call('process_output', { process_id: id, wait_timeout: '1s' });
        if (check.output?.includes('ready on')) return finish(agent, id, true, 'polls process_output until ready');
      }
      return finish(agent, id, false, 'never saw ready');
    },
    async procvisor(agent) {
      const result = await agent.call('execute', { command: DEV_SERVER, wait_for: 'ready on :\\d+', timeout: '30s', lifetime: '2m' });
      return finish(agent, result.process_id!, result.returned_on === 'match', 'execute wait_for');
    },
    met: (t) => t.calls === 1 && t.success,
  },
  {
    name: 'dev server by port',
    target: '1 call, returns when it listens, with the port',
    async reference(agent) {
      const started = await agent.call('execute', { command: PORT_SERVER, run_in_background: true });
      const id = started.background_process_id!;
      // The reference cannot see ports: the model polls until the log says it started (and still does not know the port).
      for (let i = 0; i < 20; i += 1) {
        const check = await agent.call('process_output', { process_id: id, wait_timeout: '1s' });
        if (check.output?.includes('server started')) return finish(agent, id, false, 'polls process_output; never learns the port');
      }
      return finish(agent, id, false, 'never saw it start');
    },
    async procvisor(agent) {
      const result = await agent.call('execute', { command: PORT_SERVER, wait_for_port: true, timeout: '30s', lifetime: '2m' });
      const port = (result.listening_ports as number[] | undefined)?.[0];
      const answer = port === undefined ? '' : await (await fetch(`http://127.0.0.1:${port}/`)).text();
      return finish(agent, result.process_id!, result.returned_on === 'port' && answer === 'ok', 'execute wait_for_port: true');
    },
    met: (t) => t.calls === 1 && t.success,
  },
  {
    name: 'interactive prompt',
    target: '2 calls, no re-run, no call waits out its timeout',
    async reference(agent, dir) {
      const first = await agent.call('execute', { command: PROMPT(dir) });
      // stdin is /dev/null: `read` gets end of input; the model re-runs with the answer piped in.
      const second = first.output?.includes('Proceed?') ? await agent.call('execute', { command: `echo y | sh -c '${PROMPT(dir).replace(/'/g, `'\\''`)}'` }) : first;
      return { success: second.output?.includes('applied') === true, runs: runs(dir), note: 're-runs with the answer piped in' };
    },
    async procvisor(agent, dir) {
      // No pattern for the prompt: execute returns because the command waits for input, long before its 5 min timeout.
      const prompt = await agent.call('execute', { command: PROMPT(dir), stdin: true, timeout: '5m', lifetime: '10m' });
      const asked = prompt.returned_on === 'input' && (prompt.wall_duration_ms as number) < 60_000;
      const reply = await agent.call('process_input', { process_id: prompt.process_id, text: 'y\n', wait_timeout: '5m' });
      return { success: asked && reply.output?.includes('applied') === true && reply.running === false, runs: runs(dir), note: 'execute stdin returns at the prompt, process_input answers' };
    },
    met: (t) => t.calls === 2 && t.success && t.runs === 1,
  },
  {
    name: '50 MB build log, one error line',
    target: 'error line + exit code, ≤ 2 calls, < 4 KB',
    async reference(agent) {
      const first = await agent.call('execute', { command: BUILD, timeout: '5m' });
      if (first.output?.includes('error:')) return { success: true, note: 'seen in the first answer' };
      // Lost in the middle: the model re-runs the build through grep.
      const second = await agent.call('execute', { command: `${BUILD} 2>&1 | grep -n 'error:'`, timeout: '5m' });
      return { success: second.output?.includes('error:') === true && typeof first.exit_code === 'number', note: 'head+tail loses it; re-runs the build with grep' };
    },
    async procvisor(agent) {
      const started = await agent.call('execute', { command: BUILD, run_in_background: true, lifetime: '10m' });
      const grep = await agent.call('process_output', { process_id: started.process_id, grep: 'error:', wait_timeout: '5m' });
      return { success: grep.output?.includes('error: expected') === true && grep.exit_code === 2, note: 'process_output grep (waits for the exit)' };
    },
    met: (t) => t.calls <= 2 && t.success && t.bytes < 4096,
  },
  {
    name: '50 MB build log in the foreground',
    target: 'error line + exit code in 1 call (cut output keeps error lines)',
    async reference(agent) {
      const first = await agent.call('execute', { command: BUILD, timeout: '5m' });
      if (first.output?.includes('error:')) return { success: true, note: 'seen in the first answer' };
      const second = await agent.call('execute', { command: `${BUILD} 2>&1 | grep -n 'error:'`, timeout: '5m' });
      return { success: second.output?.includes('error:') === true, note: 'head+tail loses it; re-runs the build with grep' };
    },
    async procvisor(agent) {
      const result = await agent.call('execute', { command: BUILD, timeout: '5m', lifetime: '10m' });
      return { success: /\[line \d+\] src\/parser\.c:4711: error: expected/.test(result.output ?? '') && result.exit_code === 2, note: 'execute (lifetime): the cut output lists the omitted error line' };
    },
    met: (t) => t.calls === 1 && t.success,
  },
  {
    name: 'progress of a long test run',
    target: 'checks return only new bytes',
    async reference(agent) {
      const started = await agent.call('execute', { command: TESTS, run_in_background: true });
      const id = started.background_process_id!;
      for (let i = 0; i < 30; i += 1) {
        const check = await agent.call('process_output', { process_id: id, wait_timeout: '500ms' });
        if (check.note === undefined) return { success: check.output?.includes('# pass 40') === true, note: 'each check returns everything so far' };
      }
      return { success: false, note: 'did not finish' };
    },
    async procvisor(agent) {
      const started = await agent.call('execute', { command: TESTS, run_in_background: true, lifetime: '1m' });
      const id = started.process_id!;
      let cursor = 0;
      let seen = '';
      for (let i = 0; i < 30; i += 1) {
        const check = await agent.call('process_output', { process_id: id, since: cursor, wait_timeout: '500ms' });
        seen += check.output ?? '';
        cursor = check.cursor ?? cursor;
        if (check.running === false) return { success: seen.includes('# pass 40') && (seen.match(/^ok 1 /gm)?.length ?? 0) === 1, note: 'process_output since' };
      }
      return { success: false, note: 'did not finish' };
    },
  },
  {
    name: 'dropped tool call',
    target: 'retry never runs the command twice',
    async reference(agent, dir) {
      await dropped(agent, { command: SLOW_SIDE_EFFECT(dir) });
      const retry = await agent.call('execute', { command: SLOW_SIDE_EFFECT(dir) });
      await waitForRuns(dir, 2);
      return { success: retry.output?.includes('migrated') === true, runs: runs(dir), note: 'the retry runs it again' };
    },
    async procvisor(agent, dir) {
      await dropped(agent, { command: SLOW_SIDE_EFFECT(dir), idempotency_key: 'migrate-1' });
      const retry = await agent.call('execute', { command: SLOW_SIDE_EFFECT(dir), idempotency_key: 'migrate-1' });
      return { success: retry.output?.includes('migrated') === true && retry.attached === true, runs: runs(dir), note: 'the retry attaches (idempotency_key)' };
    },
    met: (t) => t.success && t.runs === 1,
  },
  {
    name: 'runaway command',
    target: 'ends by itself within its lifetime, 1 call',
    async reference(agent) {
      const first = await agent.call('execute', { command: RUNAWAY, timeout: '2s' });
      await agent.call('process_signal', { process_id: first.background_process_id, signal: 'kill' });
      return { success: true, note: 'timeout stops waiting only; process_signal ends it' };
    },
    async procvisor(agent) {
      const result = await agent.call('execute', { command: RUNAWAY, lifetime: '2s', timeout: '1m' });
      return { success: result.running === false, note: 'execute lifetime' };
    },
    met: (t) => t.calls === 1 && t.success,
  },
];

/** A call whose answer never reaches the model: the host gives up on it after 300 ms. */
async function dropped(agent: Agent, args: Record<string, unknown>): Promise<void> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error('connection dropped')), 300);
  try {
    await agent.call('execute', args, abort.signal);
  } catch {
    // Expected: the answer was lost.
  } finally {
    clearTimeout(timer);
  }
}

async function waitForRuns(dir: string, count: number): Promise<void> {
  for (let i = 0; i < 50 && runs(dir) < count; i += 1) await new Promise((resolve) => setTimeout(resolve, 100));
}

const liveIds: string[] = [];
function finish(_agent: Agent, id: string, success: boolean, note: string): { success: boolean; note: string } {
  liveIds.push(id);
  return { success, note };
}

/**
 * 6. Tool economy: the six agent tasks of issue 12, each run by a scripted "model" through the
 * reference's tool behaviour (the chat tools with the reference's arguments) and through
 * procvisor's MCP server (the new arguments), against the real service and real processes.
 * Counts tool calls, bytes returned to the model, success, side-effect runs and wall time.
 */
export async function measureEconomy(service: ServerChild, options: { only?: string[] } = {}): Promise<Row[]> {
  title('6. tool economy: six agent tasks, reference tool behaviour vs procvisor MCP tools');
  const client = new ProcvisorClient({ url: service.url });
  const rows: Row[] = [];
  const lines: string[][] = [];
  try {
    for (const task of TASKS) {
      if (options.only && !options.only.includes(task.name)) continue;
      const sides: Record<'reference' | 'procvisor', Tally> = {} as Record<'reference' | 'procvisor', Tally>;
      for (const side of ['reference', 'procvisor'] as const) {
        const dir = mkdtempSync(join(tmpdir(), 'procvisor-economy-'));
        const agent = side === 'reference' ? referenceAgent(client) : await mcpAgent(client);
        const t0 = nowMs();
        try {
          const outcome = await task[side](agent, dir);
          sides[side] = { ...outcome, calls: agent.calls, bytes: agent.bytes, wallMs: nowMs() - t0 };
        } finally {
          if ('close' in agent) await (agent as { close(): Promise<void> }).close();
          await cleanUp(client);
          rmSync(dir, { recursive: true, force: true });
        }
      }
      const { reference: r, procvisor: p } = sides;
      const met = task.met ? task.met(p) : p.success && p.bytes < r.bytes;
      lines.push([
        task.name,
        `${r.calls} / ${p.calls}`,
        `${fmtBytes(r.bytes)} / ${fmtBytes(p.bytes)}`,
        `${r.success ? 'yes' : 'no'} / ${p.success ? 'yes' : 'no'}`,
        `${r.runs ?? '-'} / ${p.runs ?? '-'}`,
        `${(r.wallMs / 1000).toFixed(1)} / ${(p.wallMs / 1000).toFixed(1)}`,
        task.target,
        met ? 'MET' : 'MISSED',
      ]);
      detail(`${task.name}: reference ${r.note}; procvisor ${p.note}`);
      rows.push({ measurement: 'economy', metric: `${task.name}: calls, bytes`, floor: `${r.calls}, ${fmtBytes(r.bytes)}`, service: `${p.calls}, ${fmtBytes(p.bytes)}`, ratio: (p.bytes / r.bytes).toFixed(3), target: task.target, met });
    }
    if (!options.only || options.only.includes('prompt latency')) rows.push(...(await measurePromptLatency(client)));
    if (!options.only || options.only.includes('error scan')) rows.push(await measureErrorScan(client, service.url));
  } finally {
    await client.close();
  }
  process.stdout.write(`${table(['task', 'calls ref/pv', 'bytes to model ref/pv', 'success ref/pv', 'runs ref/pv', 'wall s ref/pv', 'target', 'result'], lines)}\n`);
  return rows;
}

/** Kills whatever a task left running (not counted: the bench's own housekeeping). */
async function cleanUp(client: ProcvisorClient): Promise<void> {
  const { processes } = await client.listProcesses();
  for (const entry of processes) if (entry.running) await client.signalProcess(entry.id, 'kill').catch(() => undefined);
  liveIds.length = 0;
}

function fmtBytes(bytes: number): string {
  return bytes < 10_000 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`;
}

/** Prompts measured (two per run: execute's and process_input's). */
const LATENCY_RUNS = 25;
/** Each prompt line carries the time it was written (ms since the epoch, from date). */
const TIMED_PROMPTS = `printf "T=$(date +%s%3N) first? "; read a; printf "T=$(date +%s%3N) second? "; read b; echo done`;

/**
 * Detection latency through the MCP tools: from the moment a prompt is written to the moment the
 * tool call (execute with stdin, then process_input) returns to the model, which waits with a
 * 60 s timeout and no pattern. Also counts the calls that did not return at the prompt (ran into
 * the timeout or returned for another reason): the target is none.
 */
async function measurePromptLatency(client: ProcvisorClient): Promise<Row[]> {
  const agent = await mcpAgent(client);
  const latencies: number[] = [];
  let missed = 0;
  const written = (output: string | undefined): number => Number(/T=(\d+) \w+\? $/.exec(output ?? '')?.[1] ?? NaN);
  try {
    for (let i = 0; i < LATENCY_RUNS; i += 1) {
      const first = await agent.call('execute', { command: TIMED_PROMPTS, stdin: true, timeout: '60s', lifetime: '2m' });
      const firstAt = Date.now();
      if (first.returned_on === 'input') latencies.push(firstAt - written(first.output));
      else missed += 1;
      const second = await agent.call('process_input', { process_id: first.process_id, text: 'x\n', quiet: '60s', wait_timeout: '60s' });
      const secondAt = Date.now();
      if (second.returned_on === 'input') latencies.push(secondAt - written(second.output));
      else missed += 1;
      await agent.call('process_input', { process_id: first.process_id, text: 'y\n' });
    }
  } finally {
    await agent.close();
    await cleanUp(client);
  }
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  detail(`prompt detection latency (prompt written -> tool returns, ${latencies.length} prompts via MCP): p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms; calls not returning at the prompt: ${missed}`);
  return [
    { measurement: 'economy', metric: 'prompt detection latency p50 / p99 (ms)', floor: '-', service: `${p50.toFixed(0)} / ${p99.toFixed(0)}`, ratio: '-', target: 'no call waits out its timeout', met: missed === 0 },
  ];
}

/**
 * What the error-line heuristic costs the service: one `error_lines` read over the whole 50 MB
 * build log (spilled to disk), timed from the client, with the slowest `/healthz` answered
 * meanwhile (the scan yields between 1 MiB steps, so other requests are served).
 */
async function measureErrorScan(client: ProcvisorClient, serviceUrl: string): Promise<Row> {
  const { id } = await client.startProcess({ command: BUILD });
  await client.processOutput(id, { wait: true });
  const total = (await client.readOutput(id, { omit_output: true })).next_cursor ?? 0;
  let scanning = true;
  let slowestHealthMs = 0;
  const health = (async () => {
    while (scanning) {
      const t0 = nowMs();
      await (await fetch(`${serviceUrl}/healthz`)).arrayBuffer();
      slowestHealthMs = Math.max(slowestHealthMs, nowMs() - t0);
    }
  })();
  const t0 = nowMs();
  const read = await client.readOutput(id, { error_lines: `0-${total}`, omit_output: true });
  const scanMs = nowMs() - t0;
  scanning = false;
  await health;
  const found = read.error_lines;
  const mbPerS = (found?.scanned_bytes ?? 0) / 1e6 / (scanMs / 1000);
  detail(`error_lines over the ${(total / 1e6).toFixed(1)} MB build log: ${scanMs.toFixed(0)} ms (${mbPerS.toFixed(0)} MB/s), ${found?.lines.length ?? 0} line(s) + ${found?.more ?? 0} more; slowest /healthz meanwhile ${slowestHealthMs.toFixed(1)} ms`);
  return { measurement: 'economy', metric: 'error_lines scan of a 50 MB log (ms; slowest /healthz ms)', floor: '-', service: `${scanMs.toFixed(0)}; ${slowestHealthMs.toFixed(1)}`, ratio: '-', target: 'informational', met: null };
}
