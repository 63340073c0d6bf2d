import { readFileSync } from 'node:fs';
import { expect } from 'chai';
// The README's "Testing kit" example, verbatim between the markers, so CI runs what the README shows.
// It imports the package by its own name: Node resolves `procvisor/testing` through package.json "exports".
import { createTestSupervisor, waitForState } from 'procvisor/testing';

describe('README testing-kit example', () => {
  it('runs as written and ends with the values its comments state', async () => {
    // --- README example start ---
    const { supervisor, spawner, clock } = createTestSupervisor({ drainTimeoutMs: 5000 });
    const record = await supervisor.start({ command: 'sleep 100 & echo hi' }); // starting → running
    spawner.last.write('hi\n').exit(0);            // the shell exits, a grandchild holds the pipe
    clock.increment(5000);                          // the drain cut-off fires: pipes closed
    const { context } = await waitForState(record, 'exited');
    // context.exitCode === -1, context.exitReason === 'drain_cutoff', context.output.output === 'hi\n'
    await supervisor.close();
    // --- README example end ---
    expect(context.exitCode).to.equal(-1);
    expect(context.exitReason).to.equal('drain_cutoff');
    expect(context.output?.output).to.equal('hi\n');
  });

  it('is the same code as the README shows', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Testing kit'));
    const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
    const spec = readFileSync(new URL(import.meta.url), 'utf8');
    const example = spec.slice(spec.indexOf('// --- README example start ---\n') + 32, spec.indexOf('    // --- README example end ---'));
    const lines = (text: string): string[] => text.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('import '));
    expect(lines(block)).to.have.length.greaterThan(3);
    expect(lines(example)).to.deep.equal(lines(block));
    expect(block).to.include("from 'procvisor/testing'");
  });
});
