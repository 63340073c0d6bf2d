import { expect } from 'chai';
import { compilePattern } from '../../src/supervisor/pattern.js';
import { SpillStore } from '../../src/supervisor/spill-store.js';
import { createTestSupervisor, type TestSupervisor } from '../../src/testing/create-test-supervisor.js';
import { createLogSink } from '../helpers/log-sink.js';

describe('waitForCondition (match)', () => {
  let kit: TestSupervisor;
  beforeEach(() => {
    kit = createTestSupervisor({ buffer: { streamWindowBytes: 64 } });
  });
  afterEach(async () => {
    for (const child of kit.spawner.children) if (child.isRunning) child.finish(0);
    await kit.supervisor.close();
  });

  it('matches a line written in pieces, and a prompt that has no newline yet', async () => {
    const record = await kit.supervisor.start({ command: 'x' });
    const ready = kit.supervisor.waitFor(record, { kind: 'match', cursor: 0, pattern: compilePattern('^ready$') }, 10_000);
    kit.spawner.last.write('boot\nrea').write('dy\n');
    expect(await ready).to.deep.equal({ result: 'match', match: { text: 'ready', offset: 5 } });
    const prompt = kit.supervisor.waitFor(record, { kind: 'match', cursor: 11, pattern: compilePattern('Proceed\\? \\[y/N\\] $') }, 10_000);
    kit.spawner.last.write('Proceed? ').write('[y/N] ');
    expect(await prompt).to.deep.equal({ result: 'match', match: { text: 'Proceed? [y/N] ', offset: 11 } });
  });

  it('ignores matches before the cursor', async () => {
    const record = await kit.supervisor.start({ command: 'x' });
    kit.spawner.last.write('error: old\n');
    const wait = kit.supervisor.waitFor(record, { kind: 'match', cursor: 11, pattern: compilePattern('error') }, 10_000);
    kit.spawner.last.write('fine\nerror: new\n');
    expect(await wait).to.deep.equal({ result: 'match', match: { text: 'error', offset: 16 } });
  });

  it('ends at the exit when nothing matched, and leaves no listener behind', async () => {
    const record = await kit.supervisor.start({ command: 'x' });
    const wait = kit.supervisor.waitFor(record, { kind: 'match', cursor: 0, pattern: compilePattern('never') }, 10_000);
    kit.spawner.last.write('a\n').finish(0);
    expect(await wait).to.deep.equal({ result: 'exited' });
    expect(record.snapshot.context.buffer.listenerCount).to.equal(0);
    expect(kit.supervisor.stats().waiters).to.equal(0);
  });

  it('ends at the timeout on the simulated clock', async () => {
    const record = await kit.supervisor.start({ command: 'x' });
    const wait = kit.supervisor.waitFor(record, { kind: 'match', cursor: 0, pattern: compilePattern('never') }, 1000);
    kit.clock.increment(1000);
    expect(await wait).to.deep.equal({ result: 'timeout' });
  });
});

describe('Supervisor with a spill store', () => {
  it('matches output long gone from the window, and deletes the spill file when the record is reaped', async () => {
    const spill = new SpillStore({ dataDir: null, log: createLogSink('silent').log });
    const kit = createTestSupervisor({ buffer: { streamWindowBytes: 64 }, spill, reapAfterMs: 1000 });
    try {
      const record = await kit.supervisor.start({ command: 'x' });
      kit.spawner.last.write('error: early\n').write('x'.repeat(10_000)).finish(1);
      await record.exited;
      const wait = await kit.supervisor.waitFor(record, { kind: 'match', cursor: 0, pattern: compilePattern('^error: \\w+') }, 10_000);
      expect(wait).to.deep.equal({ result: 'match', match: { text: 'error: early', offset: 0 } });
      expect(spill.bytes).to.equal(10_013);
      kit.clock.increment(1001);
      expect(kit.supervisor.reap()).to.equal(1);
      expect(spill.bytes).to.equal(0);
      expect(record.snapshot.context.buffer.spill?.read(0, 10).length).to.equal(0);
    } finally {
      await kit.supervisor.close();
      spill.close();
    }
  });
});
