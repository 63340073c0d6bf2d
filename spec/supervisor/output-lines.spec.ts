import { expect } from 'chai';
import { readLineRange } from '../../src/supervisor/output-lines.js';
import { ProcessOutput } from '../../src/supervisor/process-output.js';

function output(text: string): ProcessOutput {
  const out = new ProcessOutput({}, () => 0, (error) => {
    throw error;
  });
  out.write(Buffer.from(text));
  return out;
}

describe('readLineRange', () => {
  it('returns the lines asked for, with their line breaks', async () => {
    expect(await readLineRange(output('a\nb\nc\nd\n'), 2, 3)).to.deep.equal({ first: 2, last: 3, text: 'b\nc\n', more: false, gap_bytes: 0 });
  });

  it('counts an unfinished last line, and stops at the end of the output', async () => {
    expect(await readLineRange(output('a\nb'), 2, 10)).to.deep.include({ last: 2, text: 'b' });
    expect(await readLineRange(output('a\nb\n'), 2, 10)).to.deep.include({ last: 2, text: 'b\n' });
    expect(await readLineRange(output('a\n'), 5, 6)).to.deep.include({ last: 4, text: '' });
  });

  it('stops at the byte bound with more', async () => {
    expect(await readLineRange(output('aaaa\nbbbb\ncccc\n'), 1, 3, 10)).to.deep.include({ last: 2, text: 'aaaa\nbbbb\n', more: true });
  });
});
