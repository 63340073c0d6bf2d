import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { groupAlive, signalGroup } from '../../src/spawn/signals.js';
import type { SpawnRequest, Spawner } from '../../src/spawn/spawner.js';
import { pgrepOwn } from '../helpers/own-processes.js';
import { recordChild, type RecordedChild } from '../helpers/record-child.js';
import { waitUntil } from '../helpers/wait-until.js';

type Run = RecordedChild;

const env = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));

/** This process's fds above 2 without close-on-exec: what it inherited and passes on to a plain exec. */
function inheritedFds(): string[] {
  return readdirSync('/proc/self/fd').filter((fd) => {
    if (Number(fd) <= 2) return false;
    try {
      const flags = /flags:\s+([0-7]+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1] ?? '0';
      return (parseInt(flags, 8) & 0o2000000) === 0;
    } catch {
      return false; // the directory listing's own fd, closed by now
    }
  });
}

/**
 * The contract every pipe spawner keeps (child_process and the native addon alike), as mocha
 * cases in the current describe block. `spawner` is called inside the cases, so a spawner that
 * cannot be built fails them rather than the file's loading.
 */
export function pipeSpawnerContract(getSpawner: () => Spawner, traits: { closesInheritedFds: boolean }): void {
  function run(command: string, options: Partial<SpawnRequest> = {}): Run {
    return recordChild(getSpawner(), { command, cwd: '', env, ...options });
  }

  const text = (r: Run): string => r.text();

  it('runs sh -c and reports spawned, output, exited, closed in that order', async () => {
    const r = run('echo hello; exit 4');
    await r.ended;
    expect(r.events).to.deep.equal(['spawned', 'exited', 'closed']);
    expect(text(r)).to.equal('hello\n');
    expect(await r.exited).to.deep.equal({ code: 4, signal: null });
  });

  it('merges stdout and stderr in the order the child wrote them', async () => {
    const r = run('for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; done');
    await r.ended;
    expect(text(r)).to.equal('out1\nerr1\nout2\nerr2\nout3\nerr3\nout4\nerr4\nout5\nerr5\n');
  });

  it('captures a syntax error on the first line', async () => {
    const r = run('echo a; )');
    await r.ended;
    expect(text(r)).to.match(/Syntax error/);
    expect((await r.exited).code).to.equal(2);
  });

  it('keeps the shell line numbers of the command', async () => {
    const r = run('true\nfi');
    await r.ended;
    expect(text(r)).to.match(/sh: 2: Syntax error/);
  });

  it('gives stdin as an empty stream', async () => {
    const r = run('cat; echo done');
    await r.ended;
    expect(text(r)).to.equal('done\n');
  });

  it('keeps stdin open when asked, and closes it on eof', async () => {
    const r = run('while read line; do echo "got $line"; done; echo end', { stdin: true });
    await r.pid;
    await new Promise<void>((resolve, reject) => r.handle.write(Buffer.from('a\nb\n'), true, (error) => (error ? reject(error) : resolve())));
    await r.ended;
    expect(text(r)).to.equal('got a\ngot b\nend\n');
  });

  it('reports a write after eof as an error', async () => {
    const r = run('cat >/dev/null; sleep 0.2', { stdin: true });
    await r.pid;
    await new Promise<void>((resolve) => r.handle.write(Buffer.from('x'), true, () => resolve()));
    const error = await new Promise<Error | null>((resolve) => r.handle.write(Buffer.from('y'), false, resolve));
    expect(error?.message).to.equal('stdin is closed');
    await r.ended;
  });

  it('runs pipelines and reports the exit code of the last command', async () => {
    const r = run('printf "b\\na\\n" | sort | tr a-z A-Z; false | true');
    await r.ended;
    expect(text(r)).to.equal('A\nB\n');
    expect((await r.exited).code).to.equal(0);
  });

  it('runs in the requested directory with exactly the given environment', async () => {
    const r = run('pwd; echo "$ONLY"; echo "${HOME:-unset}"', { cwd: '/tmp', env: { ONLY: 'yes', PATH: process.env.PATH ?? '' } });
    await r.ended;
    expect(text(r)).to.equal('/tmp\nyes\nunset\n');
  });

  it('puts the child in its own process group', async () => {
    const r = run('ps -o pgid= -p $$');
    const pid = await r.pid;
    await r.ended;
    expect(Number(text(r).trim())).to.equal(pid);
  });

  it('reports a missing working directory the way the reference does', async () => {
    const r = run('true', { cwd: '/definitely/not/here' });
    expect(await r.ended).to.equal('failed');
    expect(r.events).to.deep.equal(['failed: chdir /definitely/not/here: no such file or directory']);
  });

  it('reports a working directory that is a file', async () => {
    const file = fileURLToPath(import.meta.url);
    const r = run('true', { cwd: file });
    expect(await r.ended).to.equal('failed');
    expect(r.events).to.deep.equal([`failed: chdir ${file}: not a directory`]);
  });

  it('reports a missing sh the way the reference does', async () => {
    const r = run('true', { env: { PATH: '/nonexistent' } });
    expect(await r.ended).to.equal('failed');
    expect(r.events).to.deep.equal(['failed: exec: "sh": executable file not found in $PATH']);
  });

  it('signals the whole group: a pipeline dies with its shell', async () => {
    const r = run('sleep 30 | cat; echo never');
    const pid = await r.pid;
    r.handle.signal('SIGTERM');
    await r.ended;
    expect((await r.exited).signal).to.equal('SIGTERM');
    expect(text(r)).to.equal('');
    await waitUntil(() => !groupAlive(pid), 'the group to be gone');
  });

  it('needs SIGKILL for a process that ignores SIGTERM', async () => {
    const r = run('trap "" TERM; echo ready; while :; do sleep 0.05; done');
    const pid = await r.pid;
    await waitUntil(() => text(r) === 'ready\n', 'the trap to be set');
    r.handle.signal('SIGTERM');
    expect(groupAlive(pid)).to.equal(true);
    r.handle.signal('SIGKILL');
    expect((await r.exited).signal).to.equal('SIGKILL');
    await r.ended;
  });

  it('waits for a background grandchild that holds the pipe, and cutOff ends the wait', async () => {
    const r = run('sleep 30 & echo started');
    const pid = await r.pid;
    expect((await r.exited).code).to.equal(0);
    expect(r.events).to.deep.equal(['spawned', 'exited']);
    r.handle.cutOff();
    expect(await r.ended).to.equal('closed');
    expect(text(r)).to.equal('started\n');
    // The grandchild is still in the group; the supervisor kills it at shutdown.
    expect(groupAlive(pid)).to.equal(true);
    signalGroup(pid, 'SIGKILL');
    await waitUntil(() => !groupAlive(pid), 'the grandchild to die');
  });

  it('delivers more than 10 MB of output intact', async () => {
    const r = run('head -c 12000000 /dev/zero');
    await r.ended;
    expect(r.chunks.reduce((n, c) => n + c.length, 0)).to.equal(12_000_000);
  });

  it('ignores signals and cut-offs after the child closed', async () => {
    const r = run('true');
    await r.ended;
    expect(() => r.handle.signal('SIGKILL')).not.to.throw();
    expect(() => r.handle.cutOff()).not.to.throw();
  });

  it(`passes the child only fds 0, 1 and 2${traits.closesInheritedFds ? '' : ' and those the service inherited'}, with stdin on /dev/null`, async () => {
    const r = run('exec sleep 30');
    const pid = await r.pid;
    // Once it is sleep, the shell's own transient fds are gone: only what it was given stays.
    // The new command line shows before exec closes the close-on-exec fds (the kernel swaps the
    // memory first), so wait until sleep itself sleeps (state S), which is after the exec.
    const sleeping = (): boolean => readFileSync(`/proc/${pid}/cmdline`, 'latin1').startsWith('sleep') && /^\d+ \(sleep\) S /.test(readFileSync(`/proc/${pid}/stat`, 'latin1'));
    await waitUntil(sleeping, 'the shell to exec sleep, and sleep to sleep');
    const fds = readdirSync(`/proc/${pid}/fd`).sort();
    const stdin = readlinkSync(`/proc/${pid}/fd/0`);
    signalGroup(pid, 'SIGKILL');
    await r.ended;
    expect(fds).to.deep.equal(['0', '1', '2', ...(traits.closesInheritedFds ? [] : inheritedFds())].sort());
    expect(stdin).to.equal('/dev/null');
  });

  it('resets every signal disposition and the signal mask (SIGPIPE ends `yes | head -1`)', async () => {
    const r = run('grep -E "^Sig(Ign|Blk)" /proc/self/status; yes | head -1');
    await r.ended;
    expect(text(r)).to.equal('SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\ny\n');
    expect((await r.exited).code).to.equal(0);
  });

  it('starts many children at once, each with its own output and exit code', async () => {
    const runs = Array.from({ length: 20 }, (_, i) => run(`echo child${i}; exit ${i}`));
    await Promise.all(runs.map((r) => r.ended));
    expect(runs.map((r) => text(r))).to.deep.equal(runs.map((_, i) => `child${i}\n`));
    expect(await Promise.all(runs.map(async (r) => (await r.exited).code))).to.deep.equal(runs.map((_, i) => i));
  });

  it('reports the signal that ended the shell itself', async () => {
    const r = run('kill -USR1 $$');
    await r.ended;
    expect(await r.exited).to.deep.equal({ code: null, signal: 'SIGUSR1' });
  });

  it('reads stdin from a pipe until eof, after several writes', async () => {
    const r = run('wc -c', { stdin: true });
    await r.pid;
    const write = (data: string, eof: boolean): Promise<void> =>
      new Promise<void>((resolve, reject) => r.handle.write(Buffer.from(data), eof, (error) => (error ? reject(error) : resolve())));
    await write('x'.repeat(100_000), false);
    await write('yz', true);
    await r.ended;
    expect(text(r).trim()).to.equal('100002');
  });

  it('closes every fd it opened in the service once its children closed', async () => {
    const count = (): number => readdirSync('/proc/self/fd').length;
    const before = count();
    const runs = Array.from({ length: 10 }, (_, i) => run(i % 2 === 0 ? 'echo x' : 'cat', { stdin: i % 2 === 1 }));
    for (const r of runs.filter((_, i) => i % 2 === 1)) r.handle.write(Buffer.from('y'), true, () => undefined);
    await Promise.all(runs.map((r) => r.ended));
    // Sockets close their fd on a later tick than 'close' may be reported.
    await waitUntil(() => count() <= before, 'the fds to be closed');
    expect(count()).to.be.at.most(before);
  });

  it('leaves no process behind after these specs', () => {
    expect(pgrepOwn('^sleep 30$')).to.equal('');
  });
}
