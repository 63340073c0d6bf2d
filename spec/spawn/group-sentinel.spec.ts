import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { GroupSentinel } from '../../src/spawn/group-sentinel.js';
import { readStartTicks } from '../../src/spawn/process-identity.js';
import { createLogSink } from '../helpers/log-sink.js';
import { launchService, liveGroupMembers, sentinelPidOf, type ServiceProcess } from '../helpers/service-process.js';
import { waitUntil } from '../helpers/wait-until.js';

/** A detached `sleep` leading its own group; killed in afterEach whatever happens. */
function sleeper(groups: ChildProcess[]): number {
  const child = spawn('sleep', ['1000'], { detached: true, stdio: 'ignore' });
  child.unref();
  groups.push(child);
  return child.pid!;
}

describe('GroupSentinel', () => {
  const groups: ChildProcess[] = [];
  afterEach(() => {
    for (const child of groups.splice(0)) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });

  /** Ends the sentinel's stdin without `q`: what the OS does when the service dies. */
  function dieUnderneath(sentinel: GroupSentinel): void {
    sentinel.child.stdin!.destroy();
  }

  it('kills every registered group when its pipe closes without a goodbye, then exits', async () => {
    const { log } = createLogSink('debug');
    const sentinel = GroupSentinel.start({ graceMs: 2000, log });
    const pgids = [sleeper(groups), sleeper(groups)];
    await waitUntil(() => pgids.every((pgid) => readStartTicks(pgid) !== null), 'the sleepers to run');
    for (const pgid of pgids) sentinel.added({ pgid, startTicks: readStartTicks(pgid), processId: null });
    const exited = once(sentinel.child, 'exit');
    dieUnderneath(sentinel);
    await exited;
    // This service is alive: the sentinel it lost was restarted; end that one.
    sentinel.close();
    for (const pgid of pgids) expect(liveGroupMembers(pgid), `group ${pgid}`).to.deep.equal([]);
  });

  it('starts a new sentinel holding the same groups when it dies while the service runs', async () => {
    const { log, lines } = createLogSink('debug');
    const sentinel = GroupSentinel.start({ graceMs: 2000, log });
    const [kept, removed] = [sleeper(groups), sleeper(groups)];
    await waitUntil(() => readStartTicks(kept) !== null && readStartTicks(removed) !== null, 'the sleepers to run');
    sentinel.added({ pgid: kept, startTicks: readStartTicks(kept), processId: null });
    sentinel.added({ pgid: removed, startTicks: readStartTicks(removed), processId: null });
    sentinel.removed(removed);
    const first = sentinel.child;
    const firstExited = once(first, 'exit');
    first.kill('SIGKILL');
    await firstExited;
    expect(sentinel.child).to.not.equal(first);
    expect(lines.find((line) => line.msg === 'the crash sentinel exited; starting a new one')).to.include({ restarts: 1, groups: 1, signal: 'SIGKILL' });
    const second = sentinel.child;
    const secondExited = once(second, 'exit');
    dieUnderneath(sentinel);
    await secondExited;
    sentinel.close();
    expect(liveGroupMembers(kept)).to.deep.equal([]);
    expect(liveGroupMembers(removed)).to.not.deep.equal([]);
  });

  it('leaves alone removed groups, and a group whose leader has another start time (a reused pid)', async () => {
    const { log } = createLogSink('debug');
    const sentinel = GroupSentinel.start({ graceMs: 2000, log });
    const [removed, stranger, killed] = [sleeper(groups), sleeper(groups), sleeper(groups)] as [number, number, number];
    await waitUntil(() => [removed, stranger, killed].every((pgid) => readStartTicks(pgid) !== null), 'the sleepers to run');
    sentinel.added({ pgid: removed, startTicks: readStartTicks(removed), processId: null });
    sentinel.added({ pgid: stranger, startTicks: readStartTicks(stranger)! - 1, processId: null });
    sentinel.added({ pgid: killed, startTicks: readStartTicks(killed), processId: null });
    sentinel.removed(removed);
    const exited = once(sentinel.child, 'exit');
    dieUnderneath(sentinel);
    await exited;
    sentinel.close();
    expect(liveGroupMembers(removed)).to.have.length(1);
    expect(liveGroupMembers(stranger)).to.have.length(1);
    expect(liveGroupMembers(killed)).to.deep.equal([]);
  });

  it('survives SIGTERM, SIGINT and SIGHUP (a stop aimed at the whole cgroup or session) and still does its job', async () => {
    const { log, lines } = createLogSink('debug');
    const sentinel = GroupSentinel.start({ graceMs: 2000, log });
    const pgid = sleeper(groups);
    await waitUntil(() => readStartTicks(pgid) !== null && readStartTicks(sentinel.child.pid!) !== null, 'the sleeper and the sentinel to run');
    sentinel.added({ pgid, startTicks: readStartTicks(pgid), processId: null });
    // The trap is set by the script's first line: wait until the sentinel reads its pipe.
    await waitUntil(() => readFileSync(`/proc/${sentinel.child.pid!}/stat`, 'latin1').includes(') S '), 'the sentinel to wait on its pipe');
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) sentinel.child.kill(signal);
    const exited = once(sentinel.child, 'exit');
    dieUnderneath(sentinel);
    await exited;
    sentinel.close();
    expect(liveGroupMembers(pgid)).to.deep.equal([]);
    expect(lines.some((line) => line.msg === 'the crash sentinel exited; starting a new one' && line.signal !== null)).to.equal(false);
  });

  it('exits quietly on close() and kills nothing', async () => {
    const { log, lines } = createLogSink('debug');
    const sentinel = GroupSentinel.start({ graceMs: 2000, log });
    const pgid = sleeper(groups);
    await waitUntil(() => readStartTicks(pgid) !== null, 'the sleeper to run');
    sentinel.added({ pgid, startTicks: readStartTicks(pgid), processId: null });
    const exited = once(sentinel.child, 'exit');
    sentinel.close();
    const [code] = (await exited) as [number | null];
    expect(code).to.equal(0);
    expect(liveGroupMembers(pgid)).to.have.length(1);
    expect(lines.filter((line) => (line.level as number) >= 40)).to.deep.equal([]);
  });

  describe('with the real service', () => {
    let service: ServiceProcess | null = null;
    afterEach(async () => {
      await service?.kill9();
      service = null;
    });

    it('a SIGKILLed service takes its pipe, terminal and background-grandchild groups along within seconds', async () => {
      service = await launchService({ PROCVISOR_KILL_GRACE_MS: '1000' });
      const commands = [{ command: 'sleep 1001' }, { command: 'sleep 1002', pty: { cols: 80, rows: 24 } }, { command: 'sleep 1003 & exit 0' }, { command: 'sh -c "sleep 1004 & sleep 1005"', stdin: true }];
      const ids: string[] = [];
      for (const body of commands) ids.push(String((await service.post('/api/v0/processes/start', body)).id));
      const pgids = await waitUntil(() => {
        const started = service!.lines.filter((line) => line.msg === 'process started').map((line) => Number(line.pid));
        return started.length === commands.length ? started : null;
      }, 'every command to start');
      // The background job of the shell that exited lives on in that group.
      await waitUntil(() => pgids.every((pgid) => liveGroupMembers(pgid).some((member) => member.includes('sleep'))), 'every group to run its sleep');
      // Started with the service, before it listened.
      const sentinel = sentinelPidOf(service.child.pid!);
      await service.kill9();
      const startedAt = Date.now();
      await waitUntil(() => pgids.every((pgid) => liveGroupMembers(pgid).length === 0), 'every group to be gone', 5000);
      expect(sentinel, 'the sentinel process').to.be.a('number');
      await waitUntil(() => liveGroupMembers(sentinel!).length === 0, 'the sentinel to exit', 5000);
      expect(Date.now() - startedAt).to.be.below(5000);
    });
  });
});
