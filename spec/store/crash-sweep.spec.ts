import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { readBootId, readStartTicks } from '../../src/spawn/process-identity.js';
import { sweepCrashedGroups } from '../../src/store/crash-sweep.js';
import { createLogSink } from '../helpers/log-sink.js';
import { launchService, liveGroupMembers, sentinelPidOf, type ServiceProcess } from '../helpers/service-process.js';
import { waitUntil } from '../helpers/wait-until.js';

const API = '/api/v0/processes';

describe('sweepCrashedGroups', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });

  async function group(script: string): Promise<number> {
    const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
    child.unref();
    children.push(child);
    const pgid = child.pid!;
    await waitUntil(() => liveGroupMembers(pgid).some((member) => member.endsWith(' sleep')), `group ${pgid} to run its sleep`);
    return pgid;
  }

  it('ends the groups of this boot whose leader is the recorded one, SIGKILLs those that ignore SIGTERM, and logs them', async () => {
    const { log, lines } = createLogSink('debug');
    const bootId = readBootId();
    const [polite, stubborn, stranger, rebooted] = [
      await group('sleep 1030'),
      await group("trap '' TERM; sleep 1031 & wait"),
      await group('sleep 1032'),
      await group('sleep 1033'),
    ];
    const result = await sweepCrashedGroups(
      [
        { pgid: polite, startTicks: readStartTicks(polite), processId: 'p1', bootId },
        { pgid: stubborn, startTicks: readStartTicks(stubborn), processId: 'p2', bootId },
        // The pid was reused: a process with another start time leads that group now.
        { pgid: stranger, startTicks: readStartTicks(stranger)! - 1, processId: 'p3', bootId },
        { pgid: rebooted, startTicks: readStartTicks(rebooted), processId: 'p4', bootId: 'another-boot' },
      ],
      { bootId, graceMs: 300, log },
    );
    expect([...result.processIds]).to.deep.equal(['p1', 'p2']);
    expect(liveGroupMembers(polite)).to.deep.equal([]);
    await waitUntil(() => liveGroupMembers(stubborn).length === 0, 'the stubborn group to be killed');
    expect(liveGroupMembers(stranger)).to.not.deep.equal([]);
    expect(liveGroupMembers(rebooted)).to.not.deep.equal([]);
    const warning = lines.find((line) => line.msg === 'sweeping process groups left running by a killed earlier run');
    const swept = warning?.groups as { pgid: number; process_id: string; members: { command: string }[] }[];
    expect(swept.map((entry) => entry.pgid)).to.deep.equal([polite, stubborn]);
    expect(swept[0]?.members.map((member) => member.command)).to.include('sleep 1030');
    expect(lines.find((line) => line.msg === 'swept process groups of a killed earlier run')).to.include({ swept: 2, killed: 1 });
  });

  it('does nothing and logs nothing when nothing of the earlier run is alive', async () => {
    const { log, lines } = createLogSink('debug');
    const result = await sweepCrashedGroups([{ pgid: 999_999_999, startTicks: 1, processId: 'gone', bootId: readBootId() }], { bootId: readBootId(), graceMs: 300, log });
    expect(result.processIds.size).to.equal(0);
    expect(lines).to.deep.equal([]);
  });
});

describe('crash sweep of the real service', () => {
  let dataDir = '';
  const services: ServiceProcess[] = [];
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'procvisor-sweep-'));
  });
  afterEach(async () => {
    for (const service of services.splice(0)) await service.kill9();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('ends at start-up what a run killed with its sentinel left running, records it as swept and logs it', async () => {
    const env = { PROCVISOR_DATA_DIR: dataDir, PROCVISOR_KILL_GRACE_MS: '1000' };
    const first = await launchService(env);
    services.push(first);
    const running = String((await first.post(`${API}/start`, { command: 'sleep 1040' })).id);
    await first.post(`${API}/start`, { command: 'sleep 1041 & exit 0' });
    const pgids = await waitUntil(() => {
      const started = first.lines.filter((line) => line.msg === 'process started').map((line) => Number(line.pid));
      return started.length === 2 && started.every((pgid) => liveGroupMembers(pgid).some((member) => member.endsWith(' sleep'))) ? started : null;
    }, 'both commands to run');
    // The container dies, sentinel and service at once: the sentinel is frozen first, so that
    // neither does the service restart it nor does it see the service die.
    const sentinel = await waitUntil(() => sentinelPidOf(first.child.pid!), 'the sentinel');
    process.kill(sentinel, 'SIGSTOP');
    await first.kill9();
    process.kill(sentinel, 'SIGKILL');
    await waitUntil(() => liveGroupMembers(sentinel).length === 0, 'the sentinel to be gone');
    for (const pgid of pgids) expect(liveGroupMembers(pgid), `group ${pgid} after the kill`).to.not.deep.equal([]);

    const second = await launchService(env);
    services.push(second);
    for (const pgid of pgids) expect(liveGroupMembers(pgid), `group ${pgid} after the restart`).to.deep.equal([]);
    const warning = second.lines.find((line) => line.msg === 'sweeping process groups left running by a killed earlier run');
    expect((warning?.groups as { pgid: number }[]).map((group) => group.pgid)).to.have.members(pgids);
    expect(await second.get(`${API}/${running}/output`)).to.include({ running: false, exit_code: -1, exit_reason: 'swept' });
    const metrics = await (await fetch(`${second.url}/metrics`)).text();
    expect(metrics).to.match(/^procvisor_processes_exited_total\{reason="swept"\} 2$/m);
    // A clean stop leaves nothing to sweep for the next start.
    await second.post(`${API}/start`, { command: 'sleep 1042 & exit 0' });
    await waitUntil(() => second.lines.some((line) => line.msg === 'process started'), 'the new command to start');
    expect(await second.stop()).to.equal(0);
    const third = await launchService(env);
    services.push(third);
    expect(third.lines.some((line) => line.msg === 'sweeping process groups left running by a killed earlier run')).to.equal(false);
  });
});
