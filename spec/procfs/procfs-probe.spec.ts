import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProcfsProbe } from '../../src/procfs/procfs-probe.js';
import { processTree } from '../../src/procfs/process-tree.js';
import { parseSyscall, waitKind } from '../../src/procfs/syscalls.js';
import { createPipeSpawner } from '../../src/spawn/pipe-spawner.js';
import { createPtySpawner } from '../../src/spawn/pty-spawner.js';
import type { SpawnRequest } from '../../src/spawn/spawner.js';
import { recordChild, type RecordedChild } from '../helpers/record-child.js';
import { waitUntil } from '../helpers/wait-until.js';

const probe = createProcfsProbe();
const env = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
const children: RecordedChild[] = [];

function run(command: string, extra: Partial<SpawnRequest> = {}): RecordedChild {
  const spawner = extra.pty ? createPtySpawner() : createPipeSpawner();
  const child = recordChild(spawner, { command, cwd: '/tmp', env, stdin: true, ...extra });
  children.push(child);
  return child;
}

/** The input targets of a child, once they read as the expected kind (a terminal sets its up after the fork). */
async function targetsOf(child: RecordedChild, terminal = false): Promise<{ pid: number; targets: ReadonlySet<string> }> {
  const pid = await child.pid;
  const targets = await waitUntil(() => probe.inputTargets(pid, terminal), 'the input targets');
  return { pid, targets };
}

/** Resolves once some process of the tree sits blocked in a system call of `kind` (or any blocking call when null). */
async function blockedIn(pid: number, kind: 'read' | 'poll' | 'select' | 'epoll' | null, what: string): Promise<void> {
  await waitUntil(
    () =>
      processTree(pid).some((member) => {
        try {
          const call = parseSyscall(readFileSync(`/proc/${member}/syscall`, 'latin1'));
          return call !== null && (kind === null ? true : waitKind(call.nr) === kind);
        } catch {
          return false;
        }
      }),
    what,
  );
}

describe('createProcfsProbe', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'procfs-probe-'));
  });
  afterEach(async () => {
    for (const child of children.splice(0)) {
      child.handle.signal('SIGKILL');
      await child.ended;
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('waitsForInput', () => {
    it('sees `read` of sh blocked on the stdin pipe', async () => {
      const child = run('printf "Name? "; read name; echo "hi $name"');
      const { pid, targets } = await targetsOf(child);
      expect([...targets][0]).to.match(/^(socket|pipe):\[\d+\]$/);
      await waitUntil(() => probe.waitsForInput(pid, targets), 'the read to be seen');
    });

    it('sees Python input() in a child of the shell (the tree is walked)', async () => {
      const child = run('python3 -c "input(\'Continue? \')"; echo after');
      const { pid, targets } = await targetsOf(child);
      await waitUntil(() => probe.waitsForInput(pid, targets), 'python input() to be seen');
      expect(processTree(pid).length).to.be.greaterThan(1);
    });

    it('sees a password prompt on a terminal (`stty -echo; read`)', async () => {
      const child = run('stty -echo; printf "Password: "; read pw; stty echo; echo', { pty: { cols: 80, rows: 24, term: 'xterm' } });
      const { pid, targets } = await targetsOf(child, true);
      expect([...targets]).to.include('/dev/tty');
      expect([...targets].some((target) => target.startsWith('/dev/pts/'))).to.equal(true);
      await waitUntil(() => probe.waitsForInput(pid, targets), 'the terminal read to be seen');
    });

    it('sees programs that poll, select or epoll on their stdin', async () => {
      const polling = run('python3 -c "import select; p = select.poll(); p.register(0, select.POLLIN); p.poll()"');
      const selecting = run('python3 -c "import select, sys; select.select([sys.stdin], [], [])"');
      const node = run(`${JSON.stringify(process.execPath)} -e "process.stdin.on('data', () => {})"`);
      for (const child of [polling, selecting, node]) {
        const { pid, targets } = await targetsOf(child);
        await waitUntil(() => probe.waitsForInput(pid, targets), 'the wait on stdin to be seen', 10_000);
      }
    });

    it('does not report a sleeping process, one waiting for its child, or a node server not reading stdin', async () => {
      const sleeper = run('exec sleep 30');
      const parent = run('sleep 30; echo done');
      const server = run(`${JSON.stringify(process.execPath)} -e "require('net').createServer().listen(0)"`);
      for (const child of [sleeper, parent, server]) {
        const { pid, targets } = await targetsOf(child);
        await blockedIn(pid, null, 'the process to block');
        expect(probe.waitsForInput(pid, targets)).to.equal(false);
      }
    });

    it('does not report a process reading a file (a fifo) or a socket', async () => {
      const fifo = join(dir, 'fifo');
      execFileSync('mkfifo', [fifo]);
      // O_RDWR opens a fifo without waiting for a writer; the read then blocks on it.
      const fileReader = run(`python3 -c "import os; fd = os.open('${fifo}', os.O_RDWR); os.read(fd, 1)"`);
      const socketReader = run('python3 -c "import os, socket; a, b = socket.socketpair(); os.read(a.fileno(), 1)"');
      const redirected = run(`sleep 0.2; read x <> ${fifo}`);
      for (const child of [fileReader, socketReader, redirected]) {
        const { pid, targets } = await targetsOf(child);
        await blockedIn(pid, 'read', 'the read to block');
        expect(probe.waitsForInput(pid, targets)).to.equal(false);
      }
    });
  });

  describe('inputTargets', () => {
    it('is null while the shell has its stdin redirected to something else', async () => {
      const fifo = join(dir, 'fifo2');
      execFileSync('mkfifo', [fifo]);
      const child = run(`read x <> ${fifo}`);
      const pid = await child.pid;
      await blockedIn(pid, 'read', 'the read to block');
      expect(probe.inputTargets(pid, false)).to.equal(null);
    });
  });

  describe('listeningSockets and socketInodes', () => {
    it('finds the port a server in the tree listens on, on IPv4 and IPv6', async () => {
      const child = run('python3 -m http.server 0 --bind 127.0.0.1 & python3 -m http.server 0 --bind ::1; wait');
      const pid = await child.pid;
      const ports = await waitUntil(() => {
        const listening = probe.listeningSockets();
        const ours = probe.socketInodes(pid).flatMap((inode) => listening.get(inode) ?? []);
        return ours.length === 2 ? ours : null;
      }, 'two listening sockets', 10_000);
      expect(ports.map((socket) => socket.address).sort()).to.deep.equal(['127.0.0.1', '::1']);
      for (const socket of ports) expect(socket.port).to.be.within(1, 65_535);
    });
  });
});
