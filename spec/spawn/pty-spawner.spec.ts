import { expect } from 'chai';
import * as pty from 'node-pty';
import { createPtySpawner } from '../../src/spawn/pty-spawner.js';
import type { SpawnRequest } from '../../src/spawn/spawner.js';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import { createLogSink } from '../helpers/log-sink.js';
import { recordChild, type RecordedChild } from '../helpers/record-child.js';
import { waitUntil } from '../helpers/wait-until.js';

const spawner = createPtySpawner();
const env = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));

type Run = RecordedChild;

function run(command: string, extra: Partial<SpawnRequest> = {}): Run {
  return recordChild(spawner, { command, cwd: '/tmp', env, pty: { cols: 80, rows: 24, term: 'xterm-256color' }, ...extra });
}

const write = (r: Run, text: string): Promise<void> =>
  new Promise((resolve, reject) => r.handle.write(Buffer.from(text), false, (error) => (error ? reject(error) : resolve())));

describe('createPtySpawner', () => {
  it('runs on a terminal of the requested size, and resizes it', async () => {
    const r = run('stty size; read _; stty size');
    await waitUntil(() => r.text().includes('24 80'), 'the first size');
    r.handle.resize(120, 40);
    await write(r, '\r');
    await r.ended;
    expect(r.text()).to.match(/24 80\r\n[\s\S]*40 120\r\n/);
    expect(r.events).to.deep.equal(['spawned', 'exited', 'closed']);
    expect((await r.exited).code).to.equal(0);
  });

  it('answers an interactive prompt through input', async () => {
    const r = run('printf "name? "; read name; echo "hello $name"');
    await waitUntil(() => r.text().includes('name? '), 'the prompt');
    await write(r, 'ada\r');
    await r.ended;
    expect(r.text()).to.contain('hello ada');
  });

  it('delivers Ctrl-C typed as input to the foreground job as SIGINT', async () => {
    const r = run('trap "echo caught; exit 7" INT; echo ready; sleep 30; echo after');
    await waitUntil(() => r.text().includes('ready'), 'the trap');
    await write(r, '\x03');
    expect((await r.exited).code).to.equal(7);
    expect(r.text()).to.contain('caught');
  });

  it('ends input with Ctrl-D on eof', async () => {
    const r = run('cat; echo "after eof"');
    await waitUntil(() => r.events.includes('spawned'), 'the spawn');
    await new Promise<void>((resolve, reject) => r.handle.write(Buffer.from('line\r'), true, (error) => (error ? reject(error) : resolve())));
    await r.ended;
    expect(r.text()).to.contain('after eof');
  });

  it('reports a signal exit by name', async () => {
    const r = run('echo up; sleep 30');
    await waitUntil(() => r.text().includes('up'), 'the start');
    r.handle.signal('SIGKILL');
    expect(await r.exited).to.deep.equal({ code: null, signal: 'SIGKILL' });
  });

  it('delivers what the child wrote before its exit when the event loop stalls past node-pty\'s 200 ms cut-off', async () => {
    // The real terminal, observed. Its socket's handle stops reading before the loop first polls
    // (so the output stays in the kernel, as when the loop is busy) until node-pty has handled the
    // exit and armed its 200 ms cut-off; then, in the check phase, reading is switched back on and
    // the loop is blocked for 300 ms. The next phase is the timers phase: the cut-off runs before
    // the poll phase could read the terminal, as on a loaded machine.
    let handle: { readStop(): number; readStart(): number } | null = null;
    let terminal: pty.IPty | null = null;
    const observed = createPtySpawner({
      spawnTerminal: (file, args, options) => {
        const spawned = pty.spawn(file, args, options);
        terminal = spawned;
        spawned.pause();
        handle = (spawned as unknown as { _socket: { _handle: typeof handle } })._socket._handle;
        process.nextTick(() => handle!.readStop());
        return spawned;
      },
    });
    const r = recordChild(observed, { command: 'echo "last words"', cwd: '/tmp', env, pty: { cols: 80, rows: 24, term: 'xterm' } });
    // node-pty's own exit handler sets _boundClose when it arms the cut-off (lib/unixTerminal.js).
    await waitUntil(() => (terminal as unknown as { _boundClose?: boolean } | null)?._boundClose === true, 'node-pty to handle the exit');
    expect(r.text()).to.equal('');
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        handle!.readStart();
        terminal!.resume();
        const stallUntil = Date.now() + 300;
        while (Date.now() < stallUntil); // longer than node-pty's DESTROY_SOCKET_TIMEOUT_MS
        resolve();
      }),
    );
    expect(await r.ended).to.equal('closed');
    expect(r.text()).to.contain('last words');
    expect(r.events).to.deep.equal(['spawned', 'exited', 'closed']);
  });

  it('reports a missing working directory as a spawn failure', async () => {
    const r = run('true', { cwd: '/no/such/dir' });
    expect(await r.ended).to.equal('failed');
    expect(r.events).to.deep.equal(['failed: chdir /no/such/dir: no such file or directory']);
  });

  it('reports a missing sh as a spawn failure', async () => {
    const r = run('true', { env: { PATH: '/nonexistent' } });
    expect(await r.ended).to.equal('failed');
    expect(r.events).to.deep.equal(['failed: exec: "sh": executable file not found in $PATH']);
  });
});

describe('createPtySpawner logging through the supervisor', () => {
  it('logs the terminal\'s normal end (read EIO) at debug, not as a warning', async () => {
    const sink = createLogSink('debug');
    const supervisor = new Supervisor({ spawner: createPtySpawner(), log: sink.log, serviceEnv: () => env });
    try {
      // About half of the ends report EIO (the read may see the close first): run until one did (at most 20).
      for (let i = 0; i < 20 && !sink.lines.some((line) => line.msg === 'terminal closed'); i += 1) {
        const record = await supervisor.start({ command: 'echo hi', pty: { cols: 80, rows: 24, term: 'xterm' } });
        await record.exited;
        expect(record.snapshot.context.exitReason).to.equal('exited');
      }
    } finally {
      await supervisor.close();
    }
    expect(sink.lines.filter((line) => line.level === 'warn')).to.deep.equal([]);
    const ends = sink.lines.filter((line) => line.msg === 'terminal closed');
    expect(ends.length).to.be.at.least(1);
    for (const end of ends) expect(end).to.deep.include({ level: 'debug', err: { ...(end.err as object), code: 'EIO' } });
  });
});
