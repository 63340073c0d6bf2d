import { expect } from 'chai';
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
