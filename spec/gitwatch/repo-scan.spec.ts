import { expect } from 'chai';
import { mkdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GitRunner } from '../../src/gitwatch/git-runner.js';
import { scanRepo, type RepoScanResult, type RepoState } from '../../src/gitwatch/repo-scan.js';
import { git, initRepo, removeDir, tempDir } from '../helpers/git-repo.js';

const MAX_DIFF_BYTES = 3 * 1024 * 1024;

describe('scanRepo', () => {
  const runner = new GitRunner({ gitPath: 'git', commandTimeoutMs: 10_000, maxConcurrent: 4 });
  const signal = new AbortController().signal;
  let root: string;

  beforeEach(() => {
    root = tempDir();
  });
  afterEach(() => {
    removeDir(root);
  });

  async function scanOk(repo: string, maxDiffBytes = MAX_DIFF_BYTES): Promise<RepoState> {
    const result = await scanRepo(repo, runner, maxDiffBytes, signal);
    if (result.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(result)}`);
    return result.state;
  }

  it('reports branch, origin and an empty diff for a clean repository', async () => {
    initRepo(root);
    git(root, 'remote', 'add', 'origin', 'https://example.invalid/repo.git');
    expect(await scanOk(root)).to.deep.equal({ repoRoot: root, branch: 'main', remoteOrigin: 'https://example.invalid/repo.git', unifiedDiff: '' });
  });

  it('diffs untracked, staged, modified and deleted files in one unified diff', async () => {
    initRepo(root);
    writeFileSync(join(root, 'tracked.txt'), 'one\n');
    writeFileSync(join(root, 'gone.txt'), 'bye\n');
    git(root, 'add', '.');
    git(root, 'commit', '-q', '-m', 'two files');
    writeFileSync(join(root, 'README.md'), 'hello\nmodified\n');
    writeFileSync(join(root, 'staged.txt'), 'staged\n');
    git(root, 'add', 'staged.txt');
    unlinkSync(join(root, 'gone.txt'));
    writeFileSync(join(root, 'untracked.txt'), 'new\n');
    const { unifiedDiff } = await scanOk(root);
    expect(unifiedDiff).to.contain('diff --git a/README.md b/README.md').and.contain('+modified');
    expect(unifiedDiff).to.contain('+++ b/staged.txt').and.contain('+staged');
    expect(unifiedDiff).to.contain('--- a/gone.txt').and.contain('-bye');
    expect(unifiedDiff).to.contain('+++ b/untracked.txt').and.contain('+new');
    expect(unifiedDiff).not.to.contain('tracked.txt b/tracked.txt');
  });

  it('leaves out ignored files and honours nested negations', async () => {
    initRepo(root);
    writeFileSync(join(root, '.gitignore'), '*.log\nbuild/\n');
    git(root, 'add', '.gitignore');
    git(root, 'commit', '-q', '-m', 'ignore');
    mkdirSync(join(root, 'sub'));
    mkdirSync(join(root, 'build'));
    writeFileSync(join(root, 'sub', '.gitignore'), '!keep.log\n');
    writeFileSync(join(root, 'sub', 'keep.log'), 'kept\n');
    writeFileSync(join(root, 'sub', 'drop.log'), 'dropped\n');
    writeFileSync(join(root, 'top.log'), 'dropped\n');
    writeFileSync(join(root, 'build', 'out.txt'), 'dropped\n');
    const { unifiedDiff } = await scanOk(root);
    expect(unifiedDiff).to.contain('b/sub/keep.log').and.contain('b/sub/.gitignore');
    expect(unifiedDiff).not.to.contain('drop.log');
    expect(unifiedDiff).not.to.contain('top.log');
    expect(unifiedDiff).not.to.contain('build/out.txt');
  });

  it('marks binary files instead of dumping them', async () => {
    initRepo(root);
    writeFileSync(join(root, 'blob.bin'), Buffer.from([0, 1, 2, 0, 255, 0]));
    writeFileSync(join(root, 'README.md'), Buffer.from([104, 0, 105]));
    const { unifiedDiff } = await scanOk(root);
    expect(unifiedDiff).to.contain('Binary files /dev/null and b/blob.bin differ');
    expect(unifiedDiff).to.contain('Binary files a/README.md and b/README.md differ');
  });

  it('replaces a total diff over the cap with the placeholder and keeps branch and origin', async () => {
    initRepo(root);
    git(root, 'remote', 'add', 'origin', 'git@example.invalid:r.git');
    writeFileSync(join(root, 'README.md'), 'x'.repeat(700) + '\n');
    writeFileSync(join(root, 'a.txt'), 'y'.repeat(700) + '\n');
    const state = await scanOk(root, 1024);
    expect(state.unifiedDiff).to.match(/^Total diff too large to show\. Size: 1\.\d KiB\. Showing branch and remote only\.$/);
    expect(state.branch).to.equal('main');
    expect(state.remoteOrigin).to.equal('git@example.invalid:r.git');
  });

  it('shows staged files of a repository without commits against the empty tree', async () => {
    initRepo(root, { commit: false });
    writeFileSync(join(root, 'first.txt'), 'first\n');
    git(root, 'add', 'first.txt');
    writeFileSync(join(root, 'loose.txt'), 'loose\n');
    const state = await scanOk(root);
    expect(state.branch).to.equal('main');
    expect(state.unifiedDiff).to.contain('+++ b/first.txt').and.contain('+++ b/loose.txt');
  });

  it('reports an empty branch for a detached HEAD', async () => {
    initRepo(root);
    git(root, 'checkout', '-q', '--detach');
    expect((await scanOk(root)).branch).to.equal('');
  });

  it('keeps a nested repository out of its parent and scans it on its own', async () => {
    initRepo(root);
    const inner = join(root, 'inner');
    mkdirSync(inner);
    initRepo(inner);
    writeFileSync(join(inner, 'x.txt'), 'inner change\n');
    expect((await scanOk(root)).unifiedDiff).to.equal('');
    expect((await scanOk(inner)).unifiedDiff).to.contain('+inner change');
  });

  describe('removal', () => {
    const kind = async (repo: string): Promise<RepoScanResult['kind']> => (await scanRepo(repo, runner, MAX_DIFF_BYTES, signal)).kind;

    it('reports a deleted repository as removed', async () => {
      const repo = join(root, 'repo');
      mkdirSync(repo);
      initRepo(repo);
      rmSync(repo, { recursive: true });
      expect(await kind(repo)).to.equal('removed');
    });

    it('reports a repository whose .git was deleted as removed, even inside another repository', async () => {
      initRepo(root);
      const inner = join(root, 'inner');
      mkdirSync(inner);
      initRepo(inner);
      rmSync(join(inner, '.git'), { recursive: true });
      expect(await kind(inner)).to.equal('removed');
    });

    it('reports a worktree whose gitdir is gone as removed', async () => {
      const main = join(root, 'main');
      mkdirSync(main);
      initRepo(main);
      const worktree = join(root, 'wt');
      git(main, 'worktree', 'add', '-q', worktree);
      expect(await kind(worktree)).to.equal('ok');
      rmSync(join(main, '.git', 'worktrees'), { recursive: true });
      expect(await kind(worktree)).to.equal('removed');
    });

    it('keeps a transiently corrupt repository (a broken HEAD) as failed, not removed', async () => {
      initRepo(root);
      writeFileSync(join(root, '.git', 'HEAD'), 'garbage\n');
      expect(await kind(root)).to.equal('failed');
      writeFileSync(join(root, '.git', 'HEAD'), 'ref: refs/heads/main\n');
      expect(await kind(root)).to.equal('ok');
    });
  });
});
