import { expect } from 'chai';
import { SimulatedClock, createActor, fromCallback, type Actor } from 'xstate';
import { ProcessOutput } from '../../src/supervisor/process-output.js';
import { processMachine, type ChildCommand, type ChildInput, type ProcessEvent } from '../../src/supervisor/process-machine.js';

/** A child logic that records what the machine sends it and lets the test play the OS. */
function fakeChildLogic(received: ChildCommand[]) {
  return fromCallback<ChildCommand, ChildInput, ProcessEvent>(({ receive }) => {
    receive((command) => received.push(command));
  });
}

describe('processMachine', () => {
  let clock: SimulatedClock;
  let received: ChildCommand[];
  let actor: Actor<typeof processMachine>;
  let buffer: ProcessOutput;

  beforeEach(() => {
    clock = new SimulatedClock();
    clock.set(1_000_000);
    received = [];
    buffer = new ProcessOutput({ headBytes: 8, tailBytes: 8, streamWindowBytes: 64 }, () => clock.now(), (error) => {
      throw error;
    });
    const machine = processMachine.provide({ actors: { child: fakeChildLogic(received) } });
    actor = createActor(machine, {
      clock,
      input: { request: { command: 'true', cwd: '', env: {} }, buffer, drainTimeoutMs: 5000, killGraceMs: 3000, now: () => clock.now() },
    }).start();
  });

  afterEach(() => actor.stop());

  const value = (): unknown => actor.getSnapshot().value;

  it('starts in starting and runs once the child spawned', () => {
    expect(value()).to.equal('starting');
    actor.send({ type: 'child.spawned', pid: 7 });
    expect(value()).to.deep.equal({ running: { lifecycle: 'alive', watchdog: 'unwatched' } });
    expect(actor.getSnapshot().context.pid).to.equal(7);
  });

  it('reaches exited only after both the exit and the end of output', () => {
    actor.send({ type: 'child.spawned', pid: 7 });
    actor.send({ type: 'child.exited', code: 0, signal: null });
    expect(value()).to.deep.equal({ running: { lifecycle: 'draining', watchdog: 'unwatched' } });
    buffer.write(Buffer.from('late'));
    actor.send({ type: 'child.closed' });
    const snapshot = actor.getSnapshot();
    expect(snapshot.status).to.equal('done');
    expect(snapshot.context.exitCode).to.equal(0);
    expect(snapshot.context.exitReason).to.equal('exited');
    expect(snapshot.context.output?.output).to.equal('late');
    expect(snapshot.context.exitedAt).to.equal(1_000_000);
  });

  it('accepts the end of output before the exit', () => {
    actor.send({ type: 'child.spawned', pid: 7 });
    actor.send({ type: 'child.closed' });
    expect(value()).to.deep.equal({ running: { lifecycle: 'alive', watchdog: 'unwatched' } });
    actor.send({ type: 'child.exited', code: 2, signal: null });
    expect(actor.getSnapshot().status).to.equal('done');
    expect(actor.getSnapshot().context.exitCode).to.equal(2);
  });

  it('cuts the pipes off after the drain timeout and reports -1 for a successful exit', () => {
    actor.send({ type: 'child.spawned', pid: 7 });
    actor.send({ type: 'child.exited', code: 0, signal: null });
    clock.increment(4999);
    expect(received).to.deep.equal([]);
    clock.increment(1);
    expect(received).to.deep.equal([{ type: 'cutOff' }]);
    expect(value()).to.deep.equal({ running: { lifecycle: 'draining', watchdog: 'unwatched' } });
    actor.send({ type: 'child.closed' });
    const context = actor.getSnapshot().context;
    expect(context.exitCode).to.equal(-1);
    expect(context.exitReason).to.equal('drain_cutoff');
  });

  it('keeps a failing exit code through a drain cut-off', () => {
    actor.send({ type: 'child.spawned', pid: 7 });
    actor.send({ type: 'child.exited', code: 3, signal: null });
    clock.increment(5000);
    actor.send({ type: 'child.closed' });
    expect(actor.getSnapshot().context.exitCode).to.equal(3);
  });

  it('ends in exited with the error recorded when the spawn fails', () => {
    actor.send({ type: 'child.failed', message: 'chdir /nope: no such file or directory' });
    const snapshot = actor.getSnapshot();
    expect(snapshot.status).to.equal('done');
    expect(snapshot.context.spawnError).to.equal('chdir /nope: no such file or directory');
    expect(snapshot.context.exitCode).to.equal(-1);
    expect(snapshot.context.exitReason).to.equal('spawn_failed');
  });

  it('forwards signals to the child and reports a requested kill', () => {
    actor.send({ type: 'child.spawned', pid: 7 });
    actor.send({ type: 'signal', signal: 'SIGKILL', cause: 'requested' });
    expect(received).to.deep.equal([{ type: 'signal', signal: 'SIGKILL' }]);
    actor.send({ type: 'child.exited', code: null, signal: 'SIGKILL' });
    actor.send({ type: 'child.closed' });
    const context = actor.getSnapshot().context;
    expect(context.exitCode).to.equal(-1);
    expect(context.exitSignal).to.equal('SIGKILL');
    expect(context.exitReason).to.equal('requested');
  });

  it('reports a signal nobody asked for as signaled', () => {
    actor.send({ type: 'child.spawned', pid: 7 });
    actor.send({ type: 'child.exited', code: null, signal: 'SIGSEGV' });
    actor.send({ type: 'child.closed' });
    expect(actor.getSnapshot().context.exitReason).to.equal('signaled');
  });

  it('keeps the first end cause', () => {
    actor.send({ type: 'child.spawned', pid: 7 });
    actor.send({ type: 'signal', signal: 'SIGTERM', cause: 'shutdown' });
    actor.send({ type: 'signal', signal: 'SIGKILL', cause: 'requested' });
    actor.send({ type: 'child.exited', code: null, signal: 'SIGKILL' });
    actor.send({ type: 'child.closed' });
    expect(actor.getSnapshot().context.exitReason).to.equal('shutdown');
  });

  it('records a failed signal delivery', () => {
    actor.send({ type: 'child.spawned', pid: 7 });
    actor.send({ type: 'child.signalFailed', signal: 'SIGTERM', message: 'kill EPERM' });
    expect(actor.getSnapshot().context.signalError).to.equal('kill EPERM');
  });

  it('freezes the buffer on exit', () => {
    actor.send({ type: 'child.spawned', pid: 7 });
    buffer.write(Buffer.from('hello'));
    actor.send({ type: 'child.exited', code: 0, signal: null });
    actor.send({ type: 'child.closed' });
    expect(buffer.headTail.isFrozen).to.equal(true);
  });

  it('ends in exited with internal_error when the child logic throws, keeping the output so far', () => {
    const failing = processMachine.provide({
      actors: {
        child: fromCallback<ChildCommand, ChildInput, ProcessEvent>(({ receive }) => {
          receive(() => {
            throw new Error('child logic bug');
          });
        }),
      },
    });
    const broken = createActor(failing, {
      clock,
      input: { request: { command: 'true', cwd: '', env: {} }, buffer, drainTimeoutMs: 5000, killGraceMs: 3000, now: () => clock.now() },
    }).start();
    broken.send({ type: 'child.spawned', pid: 7 });
    buffer.write(Buffer.from('so far'));
    broken.send({ type: 'resize', cols: 1, rows: 1 });
    const snapshot = broken.getSnapshot();
    expect(snapshot.status).to.equal('done');
    expect(snapshot.context).to.include({ exitReason: 'internal_error', exitCode: -1, internalError: 'child logic bug' });
    expect(snapshot.context.output?.output).to.equal('so far');
  });
});
