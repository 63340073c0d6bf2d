import { expect } from 'chai';
import { getSimplePaths } from 'xstate/graph';
import { fromCallback } from 'xstate';
import { ProcessOutput } from '../../src/supervisor/process-output.js';
import { processMachine, type ChildCommand, type ChildInput, type ProcessEvent } from '../../src/supervisor/process-machine.js';

/**
 * Model check over every simple path of the machine: `exited` is reached only after the exit
 * and the end of output (or a spawn failure), and every path can end. The state is serialised
 * to its value plus the flags that matter, so the graph stays finite.
 */
describe('processMachine (all paths)', () => {
  const machine = processMachine.provide({ actors: { child: fromCallback<ChildCommand, ChildInput, ProcessEvent>(() => undefined) } });
  const events: ProcessEvent[] = [
    { type: 'child.spawned', pid: 1 },
    { type: 'child.exited', code: 0, signal: null },
    { type: 'child.exited', code: null, signal: 'SIGKILL' },
    { type: 'child.closed' },
    { type: 'child.failed', message: 'no sh' },
    { type: 'signal', signal: 'SIGTERM', cause: 'requested' },
    { type: 'terminate', graceMs: 10, cause: 'shutdown' },
    { type: 'child.signalFailed', signal: 'SIGTERM', message: 'EPERM' },
    { type: 'xstate.after.drainTimeout.process.running.lifecycle.draining' } as unknown as ProcessEvent,
    { type: 'xstate.after.killGrace.process.running.watchdog.terminating' } as unknown as ProcessEvent,
  ];
  const paths = getSimplePaths(machine, {
    events,
    input: {
      request: { command: 'x', cwd: '', env: {} },
      buffer: new ProcessOutput({}, () => 0, () => undefined),
      drainTimeoutMs: 10,
      killGraceMs: 10,
      now: () => 0,
    },
    serializeState: (snapshot) =>
      JSON.stringify({
        value: snapshot.value,
        closeSeen: snapshot.context.closeSeen,
        cutOff: snapshot.context.drainCutOff,
        cause: snapshot.context.endCause,
        exited: snapshot.context.rawExitCode !== null || snapshot.context.exitSignal !== null,
        failed: snapshot.context.spawnError !== null,
        signalError: snapshot.context.signalError !== null,
      }),
  });

  it('explores a non-trivial graph', () => {
    expect(paths.length).to.be.greaterThan(10);
  });

  it('reaches exited only through a spawn failure, or an exit and a close', () => {
    const toExited = paths.filter((path) => path.state.status === 'done');
    expect(toExited.length).to.be.greaterThan(0);
    for (const path of toExited) {
      const types: string[] = path.steps.map((step) => step.event.type);
      const failed = types.includes('child.failed');
      const exitedAndClosed = types.includes('child.exited') && types.includes('child.closed');
      expect(failed || exitedAndClosed, `path: ${types.join(' → ')}`).to.equal(true);
      if (failed) expect(types.filter((t) => t !== 'xstate.init')).to.deep.equal(['child.failed']);
      expect(path.state.context.exitCode, `path: ${types.join(' → ')}`).to.be.a('number');
      expect(path.state.context.exitReason).to.be.a('string');
    }
  });

  it('covers the drain cut-off path (the delayed event is part of the model)', () => {
    const cutOff = paths.filter((p) => p.state.status === 'done' && p.state.context.drainCutOff);
    expect(cutOff.length).to.be.greaterThan(0);
  });

  it('leaves every reachable state a way to exited', () => {
    const states = new Map(paths.map((path) => [JSON.stringify(path.state.value), path.state]));
    const reachesExited = new Set(paths.filter((p) => p.state.status === 'done').flatMap((p) => p.steps.map((s) => JSON.stringify(s.state.value))));
    for (const [value] of states) expect(reachesExited.has(value) || value === '"exited"', `stuck in ${value}`).to.equal(true);
  });
});
