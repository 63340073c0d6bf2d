import { expect } from 'chai';
import type { GroupWatcher, TrackedGroup } from '../../src/spawn/group-watcher.js';
import type { Spawner } from '../../src/spawn/spawner.js';
import { ProcessGroups } from '../../src/supervisor/process-groups.js';
import { createLogSink } from '../helpers/log-sink.js';

/** A spawner whose groups are alive while their pgid is in `alive`; records every group signal. */
function groupSpawner(alive: Set<number>): Spawner & { signals: string[] } {
  const signals: string[] = [];
  return {
    signals,
    spawn: () => {
      throw new Error('not used');
    },
    signalGroup: (pgid, signal) => {
      signals.push(`${signal} ${pgid}`);
      return alive.has(pgid);
    },
    isGroupAlive: (pgid) => alive.has(pgid),
  };
}

function recordingWatcher(): GroupWatcher & { heard: string[] } {
  const heard: string[] = [];
  return {
    heard,
    added: (group: TrackedGroup) => heard.push(`added ${group.pgid} ${group.startTicks} ${group.processId}`),
    removed: (pgid: number) => heard.push(`removed ${pgid}`),
    cleared: () => heard.push('cleared'),
  };
}

describe('ProcessGroups', () => {
  it('tells every watcher of each group with its leader start time, each removal, and the final kill', () => {
    const alive = new Set([100, 200]);
    const spawner = groupSpawner(alive);
    const watcher = recordingWatcher();
    const ticks = new Map([
      [100, 5000],
      [200, 6000],
    ]);
    const groups = new ProcessGroups(spawner, createLogSink().log, [watcher], (pid) => ticks.get(pid) ?? null);
    groups.add(100, 'a');
    groups.add(200, 'b');
    groups.add(1, 'never');
    groups.add(null, 'never');
    alive.delete(100);
    groups.prune(new Set());
    expect(groups.list().map((group) => group.pgid)).to.deep.equal([200]);
    groups.killAll();
    expect(watcher.heard).to.deep.equal(['added 100 5000 a', 'added 200 6000 b', 'removed 100', 'cleared']);
    expect(spawner.signals).to.deep.equal(['SIGKILL 200']);
  });

  it('replaces a tracked pgid that is started again (a reused pid) with the new leader start time', () => {
    const watcher = recordingWatcher();
    let leaderTicks = 5000;
    const groups = new ProcessGroups(groupSpawner(new Set([300])), createLogSink().log, [watcher], () => leaderTicks);
    groups.add(300, 'old');
    leaderTicks = 9000;
    groups.add(300, 'new');
    expect(groups.list()).to.deep.equal([{ pgid: 300, startTicks: 9000, processId: 'new' }]);
    expect(watcher.heard).to.deep.equal(['added 300 5000 old', 'removed 300', 'added 300 9000 new']);
  });

  it('logs a failing watcher and still tells the others', () => {
    const sink = createLogSink();
    const failing: GroupWatcher = {
      added: () => {
        throw new Error('disk full');
      },
      removed: () => undefined,
      cleared: () => undefined,
    };
    const watcher = recordingWatcher();
    const groups = new ProcessGroups(groupSpawner(new Set()), sink.log, [failing, watcher], () => null);
    groups.add(400, null);
    expect(watcher.heard).to.deep.equal(['added 400 null null']);
    expect(sink.lines.find((line) => line.msg === 'a process-group watcher failed')).to.have.nested.property('err.message', 'disk full');
  });
});
