import { expect } from 'chai';
import { lastBytes, MAX_VIEW_COMMAND_CHARS, toInspectView, viewVersion } from '../../src/inspect/inspect-view.js';
import { createTestSupervisor, waitForState } from '../../src/testing.js';

describe('toInspectView', () => {
  it('shows a running process: state path, pid, history, the output tail so far', async () => {
    const { supervisor, spawner } = createTestSupervisor();
    const record = await supervisor.start({ command: 'make test', workdir: '/src' });
    spawner.last.write('0123456789');
    const view = toInspectView(record, 4);
    expect(view).to.include({ id: record.info.id, command: 'make test', workdir: '/src', state: 'running.alive', status: 'active', pid: 10_000, exit_code: null, output_bytes: 10, output_tail: '6789' });
    expect(view.history.map((h) => [h.type, h.state])).to.deep.equal([
      ['xstate.init', 'starting'],
      ['child.spawned', 'running.alive'],
    ]);
    spawner.last.exit(0);
    expect(toInspectView(record, 4).state).to.equal('running.draining');
    await supervisor.close();
  });

  it('shows an exited process with its exit fields and the tail of the frozen output', async () => {
    const { supervisor, spawner } = createTestSupervisor();
    const record = await supervisor.start({ command: 'echo' });
    spawner.last.write('hello\nworld\n').finish(2);
    await waitForState(record, 'exited');
    const view = toInspectView(record, 6);
    expect(view).to.include({ state: 'exited', status: 'done', exit_code: 2, exit_reason: 'exited', output_tail: 'world\n', output_bytes: 12 });
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
