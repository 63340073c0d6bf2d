import { expect } from 'chai';
import { SimulatedClock, createActor, fromCallback } from 'xstate';
import { createLogSink } from '../helpers/log-sink.js';
import { ProcessOutput } from '../../src/supervisor/process-output.js';
import { processMachine, type ChildCommand, type ChildInput, type ProcessEvent } from '../../src/supervisor/process-machine.js';
import { ProcessRecord, type ProcessRequestInfo } from '../../src/supervisor/process-record.js';

const INFO: ProcessRequestInfo = {
  id: 'p1',
  command: 'true',
  workdir: '/',
  background: false,
  chatId: null,
  ancestorChatIds: [],
  startedAt: 1_000_000,
  stdin: false,
  pty: null,
  timeoutMs: null,
  idleTimeoutMs: null,
  clientToken: null,
  fingerprint: null,
};

describe('ProcessRecord', () => {
  it('freezes an actor that errors as exited (internal_error), so its waiters and exited resolve', async () => {
    const clock = new SimulatedClock();
    clock.set(1_000_000);
    const sink = createLogSink();
    const buffer = new ProcessOutput({ headBytes: 8, tailBytes: 8, streamWindowBytes: 64 }, () => clock.now(), (error) => {
      throw error;
    });
    // A machine whose own action throws: the actor itself errors (not its child).
    const machine = processMachine.provide({
      actors: { child: fromCallback<ChildCommand, ChildInput, ProcessEvent>(() => undefined) },
      actions: {
        rejectInput: () => {
          throw new Error('action bug');
        },
      },
    });
    const actor = createActor(machine, {
      clock,
      input: { request: { command: 'true', cwd: '', env: {} }, buffer, drainTimeoutMs: 5000, killGraceMs: 3000, now: () => clock.now() },
    });
    const record = new ProcessRecord(INFO, actor, sink.log);
    actor.start();
    actor.send({ type: 'child.spawned', pid: 7 });
    const waiting = record.waitForExit({ timeoutMs: 60_000, clock });
    actor.send({ type: 'input', data: Buffer.from('x'), eof: false, reply: () => undefined });
    expect(await waiting).to.equal('exited');
    await record.exited;
    expect(record.running).to.equal(false);
    expect(record.snapshot.context).to.include({ exitReason: 'internal_error', exitCode: -1, internalError: 'action bug' });
    expect(sink.lines.find((line) => line.msg === 'process actor failed')).to.include({ level: 'error' });
  });
});
