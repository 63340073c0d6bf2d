import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GitRunner } from '../../src/gitwatch/git-runner.js';
import { resolveRepoRoots } from '../../src/gitwatch/repo-root.js';
import { initRepo, removeDir, tempDir } from '../helpers/git-repo.js';

describe('resolveRepoRoots', () => {
  const runner = new GitRunner({ gitPath: 'git', commandTimeoutMs: 10_000, maxConcurrent: 4 });
  const signal = new AbortController().signal;
  let root: string;
  beforeEach(() => {
    root = tempDir();
  });
  afterEach(() => {
    removeDir(root);
  });

  it('resolves directories and files to their innermost repository, once each', async () => {
    const outer = initRepo(join(root));
    const inner = join(outer, 'pkg', 'inner');
    mkdirSync(inner, { recursive: true });
    initRepo(inner);
    writeFileSync(join(inner, 'f.txt'), 'x');
    const roots = await resolveRepoRoots([join(outer, 'pkg'), join(inner, 'f.txt'), inner, join(inner, 'deleted-file.txt')], runner, signal);
    expect(roots).to.deep.equal([outer, inner].sort());
  });

  it('ignores relative paths, paths outside repositories and missing directories', async () => {
    const plain = join(root, 'plain');
    mkdirSync(plain);
    const roots = await resolveRepoRoots(['relative/dir', plain, join(root, 'missing', 'deeper', 'x')], runner, signal);
    expect(roots).to.deep.equal([]);
  });
});
