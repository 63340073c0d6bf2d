import { expect } from 'chai';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProcvisorError } from '../../src/errors.js';
import { gitEnvironment } from '../../src/gitwatch/git-environment.js';
import { GitRunner } from '../../src/gitwatch/git-runner.js';
import { initRepo, removeDir, tempDir } from '../helpers/git-repo.js';

describe('GitRunner', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => {
    removeDir(dir);
  });

  /** An executable standing in for git: a shell script with `body`. */
  function fakeGit(body: string): string {
    const path = join(dir, 'fake-git');
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  }

  async function rejection(promise: Promise<unknown>): Promise<ProcvisorError> {
    try {
      await promise;
    } catch (error) {
      expect(error).to.be.instanceOf(ProcvisorError);
      return error as ProcvisorError;
    }
    throw new Error('expected a rejection');
  }

  it('runs git in a repository with the safe config and without colour', async () => {
    initRepo(dir);
    const runner = new GitRunner({ gitPath: 'git', commandTimeoutMs: 5000, maxConcurrent: 2 });
    const output = await runner.run(dir, ['config', '--get', 'core.fsmonitor'], { maxStdoutBytes: 100 });
    expect(output.stdout.toString().trim()).to.equal('false');
  });

  it('keeps maxStdoutBytes of stdout and counts the rest', async () => {
    const runner = new GitRunner({ gitPath: fakeGit('printf 0123456789'), commandTimeoutMs: 5000, maxConcurrent: 1 });
    const output = await runner.run(null, [], { maxStdoutBytes: 4 });
    expect(output).to.deep.include({ stdoutBytes: 10, truncated: true, exitCode: 0 });
    expect(output.stdout.toString()).to.equal('0123');
  });

  it('kills a git that runs past commandTimeoutMs', async () => {
    const runner = new GitRunner({ gitPath: fakeGit('exec sleep 30'), commandTimeoutMs: 100, maxConcurrent: 1 });
    const error = await rejection(runner.run(null, [], { maxStdoutBytes: 10 }));
    expect(error.code).to.equal('GIT_FAILED');
    expect(error.detail).to.contain('killed after 100 ms');
    expect(runner.running).to.equal(0);
  });

  it('kills git when the signal aborts, and a queued run never starts', async () => {
    const runner = new GitRunner({ gitPath: fakeGit('exec sleep 30'), commandTimeoutMs: 30_000, maxConcurrent: 1 });
    const abort = new AbortController();
    const first = runner.run(null, [], { maxStdoutBytes: 10, signal: abort.signal });
    const queued = runner.run(null, [], { maxStdoutBytes: 10, signal: abort.signal });
    abort.abort(new Error('socket closed'));
    const results = await Promise.allSettled([first, queued]);
    expect(results.map((result) => result.status)).to.deep.equal(['rejected', 'rejected']);
    expect(runner.running).to.equal(0);
  });

  it('rejects a failing command with its exit code and stderr', async () => {
    const runner = new GitRunner({ gitPath: fakeGit('echo nope >&2; exit 3'), commandTimeoutMs: 5000, maxConcurrent: 1 });
    const error = await rejection(runner.run(null, [], { maxStdoutBytes: 10 }));
    expect(error.detail).to.match(/exit code 3: nope$/);
  });

  it('probes a missing binary as an error instead of throwing', async () => {
    const runner = new GitRunner({ gitPath: join(dir, 'no-such-git'), commandTimeoutMs: 5000, maxConcurrent: 1 });
    const probe = await runner.probe();
    expect(probe).to.have.property('error').that.contains('ENOENT');
  });

  it('gives git an environment that cannot prompt, page, colour or point elsewhere', () => {
    const env = gitEnvironment({ PATH: '/bin', GIT_DIR: '/elsewhere', GIT_INDEX_FILE: '/x', GIT_EXEC_PATH: '/usr/lib/git-core' });
    expect(env).to.deep.equal({
      PATH: '/bin',
      GIT_EXEC_PATH: '/usr/lib/git-core',
      GIT_TERMINAL_PROMPT: '0',
      GIT_PAGER: 'cat',
      PAGER: 'cat',
      GIT_OPTIONAL_LOCKS: '0',
      NO_COLOR: '1',
      TERM: 'dumb',
      LC_ALL: 'C',
    });
  });
});
