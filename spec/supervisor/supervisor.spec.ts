import { expect } from 'chai';
import { ProcvisorError } from '../../src/errors.js';
import { MAX_QUEUED_COMMANDS } from '../../src/supervisor/process-machine.js';
import { compilePattern } from '../../src/supervisor/pattern.js';
import { createTestSupervisor, type TestSupervisor } from '../../src/testing/create-test-supervisor.js';
import { waitForState } from '../../src/testing/wait-for-state.js';

const CHAT_A = '11111111-1111-4111-8111-111111111111';
const CHAT_B = '22222222-2222-4222-8222-222222222222';
const chat = (chatId: string, ancestorChatIds: string[] = []) => ({ chatId, ancestorChatIds });

async function rejection(promise: Promise<unknown>): Promise<ProcvisorError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ProcvisorError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

function thrown(fn: () => unknown): ProcvisorError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ProcvisorError) return error;
    throw error;
  }
  throw new Error('expected a throw');
}

describe('Supervisor', () => {
  let kit: TestSupervisor;
  beforeEach(() => {
    kit = createTestSupervisor({ reapAfterMs: 300_000, reapIntervalMs: 30_000, drainTimeoutMs: 5000, listLimit: 3 });
  });
  afterEach(async () => {
    for (const child of kit.spawner.children) if (child.isRunning) child.finish(0);
    await kit.supervisor.close();
  });

  describe('start', () => {
    it('resolves once the child runs and drives it starting → running → exited', async () => {
      const record = await kit.supervisor.start({ command: 'echo hi' });
      expect(record.snapshot.value).to.deep.equal({ running: { lifecycle: 'alive', watchdog: 'unwatched' } });
      kit.spawner.last.write('hi\n').finish(0);
      const snapshot = await waitForState(record, 'exited');
      expect(snapshot.context.output?.output).to.equal('hi\n');
      expect(record.running).to.equal(false);
    });

    it('rejects with SPAWN_FAILED and forgets the process when the spawn fails', async () => {
      const kit2 = createTestSupervisor({ autoSpawn: false });
      const started = kit2.supervisor.start({ command: 'true', workdir: '/nope' });
      const child = await kit2.spawner.nextChild();
      child.fail('chdir /nope: no such file or directory');
      const error = await rejection(started);
      expect(error.code).to.equal('SPAWN_FAILED');
      expect(error.message).to.equal('Failed to start process.');
      expect(error.detail).to.equal('start process: chdir /nope: no such file or directory');
      expect(kit2.supervisor.list()).to.deep.equal([]);
      await kit2.supervisor.close();
    });

    it('resolves the working directory: explicit, then configured (if it exists), then home', async () => {
      const explicit = await kit.supervisor.start({ command: 'true', workdir: '/explicit' });
      expect(explicit.info.workdir).to.equal('/explicit');
      const kit2 = createTestSupervisor({ workdir: '/tmp' });
      expect((await kit2.supervisor.start({ command: 'true' })).info.workdir).to.equal('/tmp');
      const kit3 = createTestSupervisor({ workdir: '/does/not/exist' });
      expect((await kit3.supervisor.start({ command: 'true' })).info.workdir).to.equal('/home/test');
      for (const k of [kit2, kit3]) {
        k.spawner.last.finish(0);
        await k.supervisor.close();
      }
    });

    it('builds the environment: service env, hook, request env, then CODER_CHAT_ID last', async () => {
      const kit2 = createTestSupervisor({ envHook: (base) => ({ ...base, FROM_HOOK: '1', OVERRIDE: 'hook' }) });
      await kit2.supervisor.start({ command: 'true', env: { OVERRIDE: 'request', CODER_CHAT_ID: 'spoofed' } }, chat(CHAT_A));
      expect(kit2.spawner.last.request.env).to.deep.equal({ PATH: '/usr/bin:/bin', FROM_HOOK: '1', OVERRIDE: 'request', CODER_CHAT_ID: CHAT_A });
      kit2.spawner.last.finish(0);
      await kit2.supervisor.close();
    });

    it('falls back to the service env with a warning when the hook throws', async () => {
      const kit2 = createTestSupervisor({
        envHook: () => {
          throw new Error('no manifest');
        },
      });
      await kit2.supervisor.start({ command: 'true' });
      expect(kit2.spawner.last.request.env).to.deep.equal({ PATH: '/usr/bin:/bin' });
      const warning = kit2.logLines.find((line) => line.msg === 'failed to update command environment, falling back to os env');
      expect(warning?.level).to.equal('warn');
      kit2.spawner.last.finish(0);
      await kit2.supervisor.close();
    });

    it('tags the per-process logger with the process and chat ids', async () => {
      const record = await kit.supervisor.start({ command: 'true' }, chat(CHAT_A));
      const line = kit.logLines.find((l) => l.msg === 'process started');
      expect(line).to.include({ process_id: record.info.id, chat_id: CHAT_A });
    });

    it('refuses to start after close', async () => {
      await kit.supervisor.close();
      const error = await rejection(kit.supervisor.start({ command: 'true' }));
      expect(error.code).to.equal('SUPERVISOR_CLOSED');
      expect(error.detail).to.equal('manager is closed');
    });
  });

  describe('list', () => {
    it('lists running first, then newest first, capped at listLimit', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 4; i += 1) {
        kit.clock.increment(1000);
        ids.push((await kit.supervisor.start({ command: `c${i}` })).info.id);
      }
      kit.spawner.children[3]?.finish(0); // the newest exits
      const listed = kit.supervisor.list().map((r) => r.info.id);
      expect(listed).to.deep.equal([ids[2], ids[1], ids[0]]);
    });

    it('shows a chat caller only its own chat, and non-chat callers everything', async () => {
      const a = await kit.supervisor.start({ command: 'a' }, chat(CHAT_A));
      const b = await kit.supervisor.start({ command: 'b' }, chat(CHAT_B));
      const none = await kit.supervisor.start({ command: 'none' });
      expect(kit.supervisor.list(CHAT_A).map((r) => r.info.id)).to.deep.equal([a.info.id]);
      expect(kit.supervisor.list(null).map((r) => r.info.id)).to.have.members([a.info.id, b.info.id, none.info.id]);
    });

    it('reaps exited processes strictly after reapAfterMs', async () => {
      const record = await kit.supervisor.start({ command: 'true' });
      kit.spawner.last.finish(0);
      kit.clock.increment(300_000);
      expect(kit.supervisor.list()).to.have.length(1);
      kit.clock.increment(1);
      expect(kit.supervisor.list()).to.have.length(0);
      expect(() => kit.supervisor.get(record.info.id)).to.throw(ProcvisorError);
    });
  });

  describe('reaping on a timer', () => {
    it('releases the stream window of a record exited longer than exitedStreamKeepMs, keeping its output', async () => {
      const kit2 = createTestSupervisor({ exitedStreamKeepMs: 60_000, reapIntervalMs: 30_000 });
      const record = await kit2.supervisor.start({ command: 'x' });
      kit2.spawner.last.write('kept\n').finish(0);
      const window = record.snapshot.context.buffer.window;
      expect(window.read(0, 100).data.toString()).to.equal('kept\n');
      kit2.clock.increment(90_000);
      expect(window.read(0, 100)).to.deep.include({ gapBytes: 5, from: 5 });
      expect(record.snapshot.context.output?.output).to.equal('kept\n');
      await kit2.supervisor.close();
    });

    it('drops old exited records without any list call', async () => {
      const record = await kit.supervisor.start({ command: 'true' });
      kit.spawner.last.finish(0);
      kit.clock.increment(300_000 + 30_000);
      expect(thrown(() => kit.supervisor.get(record.info.id)).code).to.equal('PROCESS_NOT_FOUND');
    });

    it('keeps at most maxExitedRecords exited records, dropping the oldest', async () => {
      const kit2 = createTestSupervisor({ maxExitedRecords: 2 });
      const ids: string[] = [];
      for (let i = 0; i < 3; i += 1) {
        ids.push((await kit2.supervisor.start({ command: 'true' })).info.id);
        kit2.spawner.last.finish(0);
        kit2.clock.increment(10);
      }
      expect(kit2.supervisor.reap()).to.equal(1);
      expect(() => kit2.supervisor.get(ids[0] ?? '')).to.throw(ProcvisorError);
      expect(kit2.supervisor.get(ids[2] ?? '').info.id).to.equal(ids[2]);
      await kit2.supervisor.close();
    });
  });

  describe('get', () => {
    it('hides another chat\'s process but shows untagged ones to everybody', async () => {
      const a = await kit.supervisor.start({ command: 'a' }, chat(CHAT_A));
      const none = await kit.supervisor.start({ command: 'none' });
      expect(thrown(() => kit.supervisor.get(a.info.id, CHAT_B)).message).to.equal(`Process "${a.info.id}" not found.`);
      expect(kit.supervisor.get(a.info.id, CHAT_A)).to.equal(a);
      expect(kit.supervisor.get(a.info.id, null)).to.equal(a);
      expect(kit.supervisor.get(none.info.id, CHAT_B)).to.equal(none);
    });
  });

  describe('signal', () => {
    it('sends the signal to the child and records a requested end', async () => {
      const record = await kit.supervisor.start({ command: 'sleep 100' });
      kit.supervisor.signal(record.info.id, 'SIGKILL');
      expect(kit.spawner.last.signals).to.deep.equal(['SIGKILL']);
      const context = (await waitForState(record, 'exited')).context;
      expect(context).to.include({ exitCode: -1, exitSignal: 'SIGKILL', exitReason: 'requested' });
    });

    it('answers PROCESS_NOT_RUNNING once the process exited, and PROCESS_NOT_FOUND for unknown ids', async () => {
      const record = await kit.supervisor.start({ command: 'true' });
      kit.spawner.last.finish(0);
      expect(thrown(() => kit.supervisor.signal(record.info.id, 'SIGTERM')).message).to.equal(`Process "${record.info.id}" is not running.`);
      expect(thrown(() => kit.supervisor.signal('nope', 'SIGTERM')).code).to.equal('PROCESS_NOT_FOUND');
    });

    it('reports a failed delivery as SIGNAL_FAILED with the OS error', async () => {
      const record = await kit.supervisor.start({ command: 'true' });
      kit.spawner.last.onSignal = 'throw';
      const error = thrown(() => kit.supervisor.signal(record.info.id, 'SIGTERM'));
      expect(error.code).to.equal('SIGNAL_FAILED');
      expect(error.detail).to.equal('kill EPERM');
    });

    it('reports every failed delivery, also a second one with the same OS error, and a terminate\'s', async () => {
      const record = await kit.supervisor.start({ command: 'true' });
      kit.spawner.last.onSignal = 'throw';
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const error = thrown(() => kit.supervisor.signal(record.info.id, 'SIGTERM'));
        expect(error.code, `attempt ${attempt}`).to.equal('SIGNAL_FAILED');
        expect(error.detail).to.equal('kill EPERM');
      }
      const error = thrown(() => kit.supervisor.terminate(record.info.id, 500));
      expect(error.code).to.equal('SIGNAL_FAILED');
      expect(error.detail).to.equal('kill EPERM');
    });
  });

  describe('signal and terminate while the process starts', () => {
    it('queues a signal and delivers it right after the spawn', async () => {
      const kit2 = createTestSupervisor({ autoSpawn: false });
      const started = kit2.supervisor.start({ command: 'sleep 100' });
      const child = await kit2.spawner.nextChild();
      const [record] = kit2.supervisor.all();
      if (!record) throw new Error('no record');
      expect(record.snapshot.matches('starting')).to.equal(true);
      kit2.supervisor.signal(record.info.id, 'SIGTERM');
      expect(child.signals).to.deep.equal([]);
      child.spawn(77);
      expect(child.signals).to.deep.equal(['SIGTERM']);
      await started;
      expect((await waitForState(record, 'exited')).context).to.include({ exitSignal: 'SIGTERM', exitReason: 'requested' });
      await kit2.supervisor.close();
    });

    it('queues a terminate, so close() during a start ends that process and resolves', async () => {
      const kit2 = createTestSupervisor({ autoSpawn: false });
      const started = kit2.supervisor.start({ command: 'sleep 100' });
      const child = await kit2.spawner.nextChild();
      const closed = kit2.supervisor.close();
      child.spawn(78);
      expect(child.signals).to.deep.equal(['SIGTERM']);
      expect((await rejection(started)).code).to.equal('SUPERVISOR_CLOSED');
      await closed;
      const [record] = kit2.supervisor.all();
      expect(record?.snapshot.context.exitReason).to.equal('shutdown');
    });

    it('keeps at most MAX_QUEUED_COMMANDS and refuses more with SIGNAL_FAILED', async () => {
      const kit2 = createTestSupervisor({ autoSpawn: false });
      const started = kit2.supervisor.start({ command: 'sleep 100' });
      const child = await kit2.spawner.nextChild();
      const [record] = kit2.supervisor.all();
      if (!record) throw new Error('no record');
      for (let i = 0; i < MAX_QUEUED_COMMANDS; i += 1) kit2.supervisor.signal(record.info.id, 'SIGUSR1');
      const error = thrown(() => kit2.supervisor.signal(record.info.id, 'SIGUSR1'));
      expect(error.code).to.equal('SIGNAL_FAILED');
      expect(error.detail).to.equal(`${MAX_QUEUED_COMMANDS} commands already wait for the process to start`);
      child.onSignal = 'ignore';
      child.spawn(80);
      expect(child.signals).to.have.length(MAX_QUEUED_COMMANDS);
      await started;
      child.finish(0);
      await kit2.supervisor.close();
    });

    it('logs a queued signal that fails once delivered', async () => {
      const kit2 = createTestSupervisor({ autoSpawn: false });
      const started = kit2.supervisor.start({ command: 'sleep 100' });
      const child = await kit2.spawner.nextChild();
      const [record] = kit2.supervisor.all();
      if (!record) throw new Error('no record');
      kit2.supervisor.signal(record.info.id, 'SIGUSR1');
      child.onSignal = 'throw';
      child.spawn(79);
      await started;
      expect(kit2.logLines.find((line) => line.msg === 'a queued signal could not be delivered')).to.include({ level: 'warn', signal: 'SIGUSR1' });
      child.finish(0);
      await kit2.supervisor.close();
    });
  });

  describe('an internal error of the child logic', () => {
    it('ends the process in exited (internal_error), kills its group, and lets close() resolve', async () => {
      const record = await kit.supervisor.start({ command: 'sleep 100', pty: { cols: 80, rows: 24, term: 'xterm' } });
      const child = kit.spawner.last;
      child.handle.resize = () => {
        throw new Error('resize blew up');
      };
      kit.supervisor.resize(record.info.id, 100, 30);
      const context = (await waitForState(record, 'exited')).context;
      expect(context).to.include({ exitReason: 'internal_error', exitCode: -1, internalError: 'resize blew up' });
      expect(kit.spawner.groupSignals).to.deep.include({ pgid: child.pid, signal: 'SIGKILL' });
      expect(kit.logLines.find((line) => line.msg === 'process actor failed')).to.include({ level: 'error' });
      await kit.supervisor.close();
    });

    it('refuses a start whose child logic throws before the spawn, and close() resolves', async () => {
      const kit2 = createTestSupervisor();
      kit2.spawner.spawn = () => {
        throw new Error('spawner blew up');
      };
      const error = await rejection(kit2.supervisor.start({ command: 'true' }));
      expect(error.code).to.equal('SPAWN_FAILED');
      expect(error.detail).to.equal('start process: internal error: spawner blew up');
      expect(kit2.supervisor.all()).to.deep.equal([]);
      await kit2.supervisor.close();
    });
  });

  describe('waitForExit', () => {
    it('wakes every waiter on exit and leaves none registered', async () => {
      const record = await kit.supervisor.start({ command: 'sleep' });
      const waits = Array.from({ length: 100 }, () => kit.supervisor.waitForExit(record, 300_000));
      expect(kit.supervisor.stats().waiters).to.equal(100);
      kit.spawner.last.finish(0);
      expect(new Set(await Promise.all(waits))).to.deep.equal(new Set(['exited']));
      expect(kit.supervisor.stats().waiters).to.equal(0);
    });

    it('does not wake on output, only on exit after the drain', async () => {
      const record = await kit.supervisor.start({ command: 'sleep' });
      let outcome: string | null = null;
      const wait = kit.supervisor.waitForExit(record, 300_000).then((o) => (outcome = o));
      kit.spawner.last.write('partial').exit(0);
      await Promise.resolve();
      expect(outcome).to.equal(null);
      kit.spawner.last.close();
      await wait;
      expect(outcome).to.equal('exited');
    });

    it('times out at the cap on the injected clock', async () => {
      const record = await kit.supervisor.start({ command: 'sleep' });
      const wait = kit.supervisor.waitForExit(record, 300_000);
      kit.clock.increment(300_000);
      expect(await wait).to.equal('timeout');
      expect(kit.supervisor.stats().waiters).to.equal(0);
    });

    it('releases the waiter when aborted', async () => {
      const record = await kit.supervisor.start({ command: 'sleep' });
      const abort = new AbortController();
      const wait = kit.supervisor.waitForExit(record, 300_000, abort.signal);
      abort.abort();
      expect(await wait).to.equal('aborted');
      expect(kit.supervisor.stats().waiters).to.equal(0);
    });

    it('resolves at once for an exited process', async () => {
      const record = await kit.supervisor.start({ command: 'true' });
      kit.spawner.last.finish(0);
      expect(await kit.supervisor.waitForExit(record, 1)).to.equal('exited');
    });

    it('resolves after the drain cut-off when a grandchild holds the pipes', async () => {
      const record = await kit.supervisor.start({ command: 'sleep 100 & echo hi' });
      const wait = kit.supervisor.waitForExit(record, 300_000);
      kit.spawner.last.write('hi\n').exit(0);
      kit.clock.increment(5000);
      expect(await wait).to.equal('exited');
      expect(kit.spawner.last.cutOffs).to.equal(1);
      expect(record.snapshot.context).to.include({ exitCode: -1, exitReason: 'drain_cutoff' });
    });
  });

  describe('close', () => {
    it('terminates every running process, kills the ones that ignore SIGTERM after the grace, and keeps records readable', async () => {
      const polite = await kit.supervisor.start({ command: 'sleep 1' });
      const stubborn = await kit.supervisor.start({ command: 'trap "" TERM; sleep 1' });
      kit.spawner.children[1]!.onSignal = 'ignore';
      const closed = kit.supervisor.close();
      expect(kit.spawner.children[0]?.signals).to.deep.equal(['SIGTERM']);
      expect(stubborn.running).to.equal(true);
      kit.spawner.children[1]!.onSignal = 'die';
      kit.clock.increment(3000);
      await closed;
      expect(kit.spawner.children[1]?.signals).to.deep.equal(['SIGTERM', 'SIGKILL']);
      expect(polite.snapshot.context.exitReason).to.equal('shutdown');
      expect(stubborn.snapshot.context.exitReason).to.equal('shutdown');
      expect(kit.supervisor.get(polite.info.id)).to.equal(polite);
    });

    it('is idempotent', async () => {
      const first = kit.supervisor.close();
      expect(kit.supervisor.close()).to.equal(first);
      await first;
    });
  });

  describe('lifetimes', () => {
    it('terminates at timeoutMs and kills after killGraceMs when SIGTERM is ignored', async () => {
      const kit2 = createTestSupervisor({ killGraceMs: 2000 });
      const record = await kit2.supervisor.start({ command: 'sleep 100', timeoutMs: 10_000 });
      const child = kit2.spawner.last;
      child.onSignal = 'ignore';
      kit2.clock.increment(9999);
      expect(child.signals).to.deep.equal([]);
      kit2.clock.increment(1);
      expect(child.signals).to.deep.equal(['SIGTERM']);
      child.onSignal = 'die';
      kit2.clock.increment(2000);
      expect(child.signals).to.deep.equal(['SIGTERM', 'SIGKILL']);
      const { context } = await waitForState(record, 'exited');
      expect(context).to.include({ exitReason: 'timeout', exitSignal: 'SIGKILL', exitCode: -1 });
      await kit2.supervisor.close();
    });

    it('terminates after idleTimeoutMs without output, and output postpones it', async () => {
      const record = await kit.supervisor.start({ command: 'server', idleTimeoutMs: 1000 });
      const child = kit.spawner.last;
      kit.clock.increment(800);
      child.write('tick\n');
      kit.clock.increment(800);
      expect(child.signals).to.deep.equal([]);
      kit.clock.increment(200);
      expect(child.signals).to.deep.equal(['SIGTERM']);
      expect((await waitForState(record, 'exited')).context.exitReason).to.equal('idle_timeout');
    });

    it('keeps the lifetime across idle re-checks', async () => {
      const record = await kit.supervisor.start({ command: 'chatty', idleTimeoutMs: 1000, timeoutMs: 2500 });
      const child = kit.spawner.last;
      for (let t = 0; t < 2400; t += 400) {
        child.write('.');
        kit.clock.increment(400);
      }
      expect(child.signals).to.deep.equal([]);
      child.write('.');
      kit.clock.increment(100);
      expect(child.signals).to.deep.equal(['SIGTERM']);
      expect((await waitForState(record, 'exited')).context.exitReason).to.equal('timeout');
    });

    it('escalates a client terminate with a grace', async () => {
      const record = await kit.supervisor.start({ command: 'stubborn' });
      const child = kit.spawner.last;
      child.onSignal = 'ignore';
      kit.supervisor.terminate(record.info.id, 500);
      kit.clock.increment(499);
      expect(child.signals).to.deep.equal(['SIGTERM']);
      child.onSignal = 'die';
      kit.clock.increment(1);
      expect(child.signals).to.deep.equal(['SIGTERM', 'SIGKILL']);
      expect((await waitForState(record, 'exited')).context.exitReason).to.equal('requested');
    });
  });

  describe('input and resize', () => {
    it('writes input to the child and closes stdin on eof', async () => {
      const record = await kit.supervisor.start({ command: 'cat', stdin: true });
      await kit.supervisor.input(record.info.id, Buffer.from('a'), false);
      await kit.supervisor.input(record.info.id, Buffer.from('b'), true);
      expect(Buffer.concat(kit.spawner.last.input).toString()).to.equal('ab');
      expect(kit.spawner.last.stdinClosed).to.equal(true);
      expect(thrown(() => void kit.supervisor.input(record.info.id, Buffer.from('c'), false)).code).to.equal('STDIN_CLOSED');
    });

    it('refuses input without stdin and resizes only terminals', async () => {
      const plain = await kit.supervisor.start({ command: 'cat' });
      expect(thrown(() => void kit.supervisor.input(plain.info.id, Buffer.from('x'), false)).code).to.equal('STDIN_NOT_OPEN');
      expect(thrown(() => kit.supervisor.resize(plain.info.id, 10, 10)).code).to.equal('NOT_A_TERMINAL');
      const term = await kit.supervisor.start({ command: 'vi', pty: { cols: 80, rows: 24, term: 'xterm' } });
      kit.supervisor.resize(term.info.id, 100, 40);
      expect(kit.spawner.last.resizes).to.deep.equal([{ cols: 100, rows: 40 }]);
    });

    it('rejects with STDIN_CLOSED when the write fails', async () => {
      const record = await kit.supervisor.start({ command: 'cat', stdin: true });
      kit.spawner.last.stdinClosed = true;
      const error = await rejection(kit.supervisor.input(record.info.id, Buffer.from('x'), false));
      expect(error.code).to.equal('STDIN_CLOSED');
      expect(error.detail).to.equal('write EPIPE');
    });
  });

  describe('client tokens', () => {
    it('attaches retries to the first start, forgets the token at reaping', async () => {
      const kit2 = createTestSupervisor({ autoSpawn: false });
      const first = kit2.supervisor.startOrAttach({ command: 'x', clientToken: 't' });
      const second = kit2.supervisor.startOrAttach({ command: 'x', clientToken: 't' });
      (await kit2.spawner.nextChild()).spawn(1);
      const [a, b] = await Promise.all([first, second]);
      expect(a.attached).to.equal(false);
      expect(b.attached).to.equal(true);
      expect(b.record).to.equal(a.record);
      expect(kit2.spawner.children).to.have.length(1);
      kit2.spawner.last.finish(0);
      kit2.clock.increment(300_001);
      kit2.supervisor.reap();
      expect(kit2.supervisor.stats().clientTokens).to.equal(0);
      await kit2.supervisor.close();
    });

    it('scopes tokens per chat and frees the token of a failed start', async () => {
      const kit2 = createTestSupervisor({ autoSpawn: false });
      const failing = kit2.supervisor.startOrAttach({ command: 'x', clientToken: 't' }, chat(CHAT_A));
      (await kit2.spawner.nextChild()).fail();
      expect((await rejection(failing)).code).to.equal('SPAWN_FAILED');
      const retry = kit2.supervisor.startOrAttach({ command: 'x', clientToken: 't' }, chat(CHAT_A));
      (await kit2.spawner.nextChild()).spawn(2);
      expect((await retry).attached).to.equal(false);
      const otherChat = kit2.supervisor.startOrAttach({ command: 'x', clientToken: 't' }, chat(CHAT_B));
      (await kit2.spawner.nextChild()).spawn(3);
      expect((await otherChat).attached).to.equal(false);
      for (const c of kit2.spawner.children) if (c.isRunning) c.finish(0);
      await kit2.supervisor.close();
    });
  });

  describe('waitFor', () => {
    it('resolves quiet on the simulated clock', async () => {
      const record = await kit.supervisor.start({ command: 'x' });
      const wait = kit.supervisor.waitFor(record, { kind: 'quiet', quietMs: 500 }, 10_000);
      kit.clock.increment(300);
      kit.spawner.last.write('.');
      kit.clock.increment(300);
      let settled = false;
      void wait.then(() => (settled = true));
      await Promise.resolve();
      expect(settled).to.equal(false);
      kit.clock.increment(200);
      expect(await wait).to.deep.equal({ result: 'quiet' });
      expect(kit.supervisor.stats().waiters).to.equal(0);
    });

    it('resolves a match on output and reports its offset', async () => {
      const record = await kit.supervisor.start({ command: 'x' });
      const wait = kit.supervisor.waitFor(record, { kind: 'match', cursor: 0, pattern: compilePattern('ready') }, 10_000);
      kit.spawner.last.write('booting\n').write('ready\n');
      expect(await wait).to.deep.equal({ result: 'match', match: { text: 'ready', offset: 8 } });
    });
  });

  describe('history and inspection', () => {
    it('records each event with the state it led to', async () => {
      const record = await kit.supervisor.start({ command: 'true' });
      kit.spawner.last.exit(0).close();
      expect(record.history.map((h) => `${h.type} → ${h.state}`)).to.deep.equal([
        'xstate.init → starting',
        'child.spawned → running.lifecycle.alive, running.watchdog.unwatched',
        'child.exited → running.lifecycle.draining, running.watchdog.unwatched',
        'child.closed → exited',
      ]);
    });

    it('forwards every inspection event when an inspector is given', async () => {
      const types = new Set<string>();
      const kit2 = createTestSupervisor({ inspect: (event) => types.add(event.type) });
      await kit2.supervisor.start({ command: 'true' });
      kit2.spawner.last.finish(0);
      expect([...types]).to.include.members(['@xstate.actor', '@xstate.event', '@xstate.snapshot']);
      await kit2.supervisor.close();
    });
  });

  describe('onProcessExit', () => {
    it('calls listeners with each exited record, and survives a throwing one', async () => {
      const seen: string[] = [];
      kit.supervisor.onProcessExit(() => {
        throw new Error('boom');
      });
      kit.supervisor.onProcessExit((record) => seen.push(record.info.id));
      const record = await kit.supervisor.start({ command: 'true' });
      kit.spawner.last.finish(0);
      await record.exited;
      await Promise.resolve();
      expect(seen).to.deep.equal([record.info.id]);
      expect(kit.logLines.some((l) => l.msg === 'a process listener failed')).to.equal(true);
    });
  });
});
