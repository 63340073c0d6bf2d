import { expect } from 'chai';
import { lastBytes, leafPaths, MAX_VIEW_COMMAND_CHARS, toInspectView, viewVersion } from '../../src/inspect/inspect-view.js';
import { stateName } from '../../src/supervisor/process-record.js';
import { createTestSupervisor, waitForState } from '../../src/testing.js';

describe('toInspectView', () => {
  it('shows a running process: both regions of the parallel state, pid, history, the output tail so far', async () => {
    const { supervisor, spawner } = createTestSupervisor();
    const record = await supervisor.start({ command: 'make test', workdir: '/src' });
    spawner.last.write('0123456789');
    const view = toInspectView(record, 4);
    expect(view).to.include({
      id: record.info.id,
      command: 'make test',
      workdir: '/src',
      state: 'running.lifecycle.alive, running.watchdog.unwatched',
      status: 'active',
      pid: 10_000,
      exit_code: null,
      output_bytes: 10,
      output_tail: '6789',
    });
    expect(view.states).to.deep.equal(['running.lifecycle.alive', 'running.watchdog.unwatched']);
    expect(view.history.map((h) => [h.type, h.state])).to.deep.equal([
      ['xstate.init', 'starting'],
      ['child.spawned', 'running.lifecycle.alive, running.watchdog.unwatched'],
    ]);
    spawner.last.exit(0);
    const draining = toInspectView(record, 4);
    expect(draining.states).to.deep.equal(['running.lifecycle.draining', 'running.watchdog.unwatched']);
    expect(draining.state).to.equal(draining.states.join(', '));
    await supervisor.close();
  });

  it('shows the watchdog watching a process with a timeout, then terminating it', async () => {
    const { supervisor, spawner, clock } = createTestSupervisor();
    const record = await supervisor.start({ command: 'sleep 60', timeoutMs: 1000 });
    expect(toInspectView(record, 4).states).to.deep.equal(['running.lifecycle.alive', 'running.watchdog.watching']);
    spawner.last.onSignal = 'ignore'; // it traps SIGTERM, so the watchdog stays in terminating
    clock.increment(1000);
    const terminating = toInspectView(record, 4);
    expect(terminating.states).to.deep.equal(['running.lifecycle.alive', 'running.watchdog.terminating']);
    expect(terminating.history.at(-1)).to.include({
      type: 'xstate.after.lifetime.process.running.watchdog.watching',
      state: 'running.lifecycle.alive, running.watchdog.terminating',
    });
    expect(spawner.last.signals).to.deep.equal(['SIGTERM']);
    spawner.last.exit(null, 'SIGTERM').close();
    await waitForState(record, 'exited');
    expect(toInspectView(record, 4)).to.deep.include({ state: 'exited', states: ['exited'], exit_reason: 'timeout' });
    await supervisor.close();
  });

  it('shows an exited process with its exit fields and the tail of the frozen output', async () => {
    const { supervisor, spawner } = createTestSupervisor();
    const record = await supervisor.start({ command: 'echo' });
    spawner.last.write('hello\nworld\n').finish(2);
    await waitForState(record, 'exited');
    const view = toInspectView(record, 6);
    expect(view).to.include({ state: 'exited', status: 'done', exit_code: 2, exit_reason: 'exited', output_tail: 'world\n', output_bytes: 12 });
    expect(view.states).to.deep.equal(['exited']);
    expect(view.exited_at).to.be.a('number');
    await supervisor.close();
  });

  it('cuts a long command', async () => {
    const { supervisor } = createTestSupervisor();
    const record = await supervisor.start({ command: 'x'.repeat(MAX_VIEW_COMMAND_CHARS + 50) });
    expect(toInspectView(record, 10).command).to.have.length(MAX_VIEW_COMMAND_CHARS + 1);
    await supervisor.close();
  });
});

describe('leafPaths', () => {
  it('gives one dotted path per active region, in order, like stateName joins them', () => {
    expect(leafPaths('starting')).to.deep.equal(['starting']);
    expect(leafPaths({ running: { lifecycle: 'draining', watchdog: 'terminating' } })).to.deep.equal([
      'running.lifecycle.draining',
      'running.watchdog.terminating',
    ]);
    expect(leafPaths({ a: { b: { c: 'd' } } })).to.deep.equal(['a.b.c.d']);
    for (const value of ['exited', { running: { lifecycle: 'alive', watchdog: 'watching' } }]) {
      expect(leafPaths(value).join(', ')).to.equal(stateName(value));
    }
  });
});

describe('lastBytes', () => {
  it('keeps the last bytes, starting on a character boundary', () => {
    const bytes = Buffer.from('aé€😀', 'utf8'); // 1 + 2 + 3 + 4 bytes
    expect(lastBytes(bytes, 4)).to.equal('😀');
    expect(lastBytes(bytes, 6)).to.equal('😀'); // the cut € is dropped, not shown as U+FFFD
    expect(lastBytes(bytes, 7)).to.equal('€😀');
    expect(lastBytes(bytes, 100)).to.equal('aé€😀');
    expect(lastBytes(Buffer.alloc(0), 4)).to.equal('');
  });
});

describe('viewVersion', () => {
  it('changes with output, state and history', async () => {
    const { supervisor, spawner } = createTestSupervisor();
    const record = await supervisor.start({ command: 'cat' });
    const first = viewVersion(record);
    expect(viewVersion(record)).to.deep.equal(first);
    spawner.last.write('x');
    const second = viewVersion(record);
    expect(second.key).to.not.equal(first.key);
    supervisor.signal(record.info.id, 'SIGTERM');
    expect(viewVersion(record).last).to.not.equal(second.last);
    await supervisor.close();
  });
});
