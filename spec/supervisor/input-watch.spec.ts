import { expect } from 'chai';
import type { ListeningSocket, ProcessProbe } from '../../src/supervisor/process-probe.js';
import { createTestSupervisor, type TestSupervisor } from '../../src/testing/create-test-supervisor.js';

/** A probe whose answers the spec sets per pid, counting the questions. */
class ScriptedProbe implements ProcessProbe {
  readonly reading = new Set<number>();
  readonly sockets = new Map<number, ListeningSocket>();
  readonly owned = new Map<number, number[]>();
  checks: number[] = [];
  socketWalks = 0;
  tableReads = 0;
  inputTargets(): ReadonlySet<string> {
    return new Set(['socket:[1]']);
  }
  waitsForInput(pid: number): boolean {
    this.checks.push(pid);
    return this.reading.has(pid);
  }
  listeningSockets(): Map<number, ListeningSocket> {
    this.tableReads += 1;
    return new Map(this.sockets);
  }
  socketInodes(pid: number): number[] {
    this.socketWalks += 1;
    return this.owned.get(pid) ?? [];
  }
}

describe('InputWatch (through the supervisor, simulated clock)', () => {
  let t: TestSupervisor;
  let probe: ScriptedProbe;
  beforeEach(() => {
    probe = new ScriptedProbe();
    t = createTestSupervisor({ probe, inputWatch: { settleMs: 300, tickMs: 100, maxChecksPerTick: 2, maxBackoffMs: 800 }, portScanMs: 100 });
  });
  afterEach(async () => {
    for (const child of t.spawner.children) if (child.isRunning) child.finish();
    await t.supervisor.close();
  });

  it('asks about a process only once it was quiet for the settle time, then reports it with its prompt', async () => {
    const record = await t.supervisor.start({ command: 'ask', stdin: true });
    t.spawner.last.write('Sure? ');
    probe.reading.add(record.snapshot.context.pid ?? 0);
    t.clock.increment(200);
    expect(probe.checks).to.deep.equal([]);
    t.clock.increment(100);
    expect(probe.checks).to.have.length(1);
    expect(record.waitingForInput).to.deep.equal({ since: t.clock.now() - 300, prompt: 'Sure? ' });
    expect(t.supervisor.events.after(0, 10).events.map((event) => event.name)).to.deep.equal(['started', 'waiting_for_input']);
  });

  it('clears the wait on output and on input, and reports it again when the process asks again', async () => {
    const record = await t.supervisor.start({ command: 'ask', stdin: true });
    probe.reading.add(record.snapshot.context.pid ?? 0);
    t.clock.increment(300);
    expect(record.waitingForInput).to.not.equal(null);
    t.spawner.last.write('more\n');
    t.clock.increment(100);
    expect(record.waitingForInput).to.equal(null);
    t.clock.increment(300);
    expect(record.waitingForInput?.prompt).to.equal('more');
    await t.supervisor.input(record.info.id, Buffer.from('y\n'), false);
    expect(record.waitingForInput).to.equal(null);
    t.clock.increment(300);
    expect(record.waitingForInput).to.not.equal(null);
  });

  it('looks again at a waiting process every maxBackoffMs, and clears the wait once it stopped reading (a read -t that timed out)', async () => {
    const record = await t.supervisor.start({ command: 'ask', stdin: true });
    const pid = record.snapshot.context.pid ?? 0;
    probe.reading.add(pid);
    t.clock.increment(300);
    expect(record.waitingForInput).to.not.equal(null);
    const reported = t.supervisor.events.after(0, 10).events.length;
    // Still reading at the next look: still waiting, and not reported twice.
    t.clock.increment(800);
    expect(probe.checks).to.have.length(2);
    expect(record.waitingForInput).to.not.equal(null);
    expect(t.supervisor.events.after(0, 10).events).to.have.length(reported);
    // The read timed out; the process goes on without a word.
    probe.reading.delete(pid);
    t.clock.increment(800);
    expect(probe.checks).to.have.length(3);
    expect(record.waitingForInput).to.equal(null);
  });

  it('never asks about a process started without stdin', async () => {
    await t.supervisor.start({ command: 'plain' });
    t.clock.increment(5000);
    expect(probe.checks).to.deep.equal([]);
  });

  it('backs off on a quiet process that does not read (200, 400, 800, 800 ms), and starts over after output', async () => {
    await t.supervisor.start({ command: 'quiet', stdin: true });
    const times: number[] = [];
    const start = t.clock.now();
    for (let elapsed = 0; elapsed < 3000; elapsed += 100) {
      const before = probe.checks.length;
      t.clock.increment(100);
      if (probe.checks.length > before) times.push(t.clock.now() - start);
    }
    expect(times).to.deep.equal([300, 500, 900, 1700, 2500]);
    t.spawner.last.write('x');
    probe.checks = [];
    t.clock.increment(200);
    expect(probe.checks).to.have.length(0);
    t.clock.increment(100);
    expect(probe.checks).to.have.length(1);
  });

  it('asks about at most maxChecksPerTick processes per tick, the most overdue first, whatever the number', async () => {
    for (let i = 0; i < 7; i += 1) await t.supervisor.start({ command: `quiet ${i}`, stdin: true });
    t.clock.increment(300);
    expect(probe.checks).to.have.length(2);
    t.clock.increment(100);
    expect(probe.checks).to.have.length(4);
    t.clock.increment(100);
    expect(probe.checks).to.have.length(6);
    t.clock.increment(100);
    // The seventh now; the first two are due again only after their back-off.
    expect(new Set(probe.checks).size).to.equal(7);
  });
});

describe('PortWatch (through the supervisor, simulated clock)', () => {
  it('reads the groups\' descriptors only when a new listening socket appears, and stops at the owner', async () => {
    const probe = new ScriptedProbe();
    const t = createTestSupervisor({ probe, portScanMs: 100, autoSpawn: false });
    try {
      const startA = t.supervisor.start({ command: 'a' });
      (await t.spawner.nextChild()).spawn(101);
      const a = await startA;
      const startB = t.supervisor.start({ command: 'b' });
      (await t.spawner.nextChild()).spawn(102);
      const b = await startB;
      probe.sockets.set(900, { port: 3000, address: '127.0.0.1' });
      probe.owned.set(101, [900]);
      t.clock.increment(100);
      expect(a?.listening).to.deep.equal([{ port: 3000, address: '127.0.0.1' }]);
      expect(b?.listening).to.deep.equal([]);
      expect(probe.socketWalks).to.equal(1);
      t.clock.increment(1000);
      expect(probe.socketWalks).to.equal(1);
      probe.sockets.delete(900);
      t.clock.increment(100);
      expect(a?.listening).to.deep.equal([]);
      expect(t.supervisor.events.after(0, 10).events.map((event) => event.name)).to.deep.equal(['started', 'started', 'listening']);
    } finally {
      for (const child of t.spawner.children) if (child.isRunning) child.finish();
      await t.supervisor.close();
    }
  });
});

describe('PortWatch scan period (simulated clock)', () => {
  it('scans fast for 5 s after a start, then ever slower up to 2 s apart, and fast again while a port wait is open', async () => {
    const probe = new ScriptedProbe();
    const t = createTestSupervisor({ probe, portScanMs: 100 });
    try {
      const record = await t.supervisor.start({ command: 'server' });
      const readsDuring = (ms: number): number => {
        const before = probe.tableReads;
        for (let elapsed = 0; elapsed < ms; elapsed += 50) t.clock.increment(50);
        return probe.tableReads - before;
      };
      expect(readsDuring(5000)).to.be.within(49, 51);
      readsDuring(10_000); // slowing down: 200, 400, 800, 1600, 2000 ms
      expect(readsDuring(20_000)).to.be.within(9, 11);
      const abort = new AbortController();
      const waiting = t.supervisor.waitFor(record, { kind: 'port', port: 8080 }, 60_000, abort.signal);
      expect(readsDuring(1000)).to.be.within(9, 11);
      abort.abort();
      expect((await waiting).result).to.equal('aborted');
      readsDuring(10_000);
      expect(readsDuring(20_000)).to.be.within(9, 11);
    } finally {
      for (const child of t.spawner.children) if (child.isRunning) child.finish();
      await t.supervisor.close();
    }
  });
});
