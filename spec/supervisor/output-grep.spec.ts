import { expect } from 'chai';
import { DEFAULT_GREP_OPTIONS, grepOutput } from '../../src/supervisor/output-grep.js';
import { compilePattern } from '../../src/supervisor/pattern.js';
import { ProcessOutput } from '../../src/supervisor/process-output.js';

function output(text: string, windowBytes = 1_048_576): ProcessOutput {
  const out = new ProcessOutput({ streamWindowBytes: windowBytes }, () => 0, (error) => {
    throw error;
  });
  out.write(Buffer.from(text));
  return out;
}

describe('grepOutput', () => {
  it('lists each matching line once with its number and context, merging overlapping context', async () => {
    const result = await grepOutput(output('a\nerr 1\nb\nerr 2\nc\nd\n'), compilePattern('err'), { ...DEFAULT_GREP_OPTIONS, contextLines: 1 });
    expect(result.lines).to.deep.equal([
      { line: 1, text: 'a', match: false },
      { line: 2, text: 'err 1', match: true },
      { line: 3, text: 'b', match: false },
      { line: 4, text: 'err 2', match: true },
      { line: 5, text: 'c', match: false },
    ]);
    expect(result).to.include({ matches: 2, more: false, gap_bytes: 0, scanned_bytes: 20 });
  });

  it('matches a line once even with several matches on it, and a last line without a newline', async () => {
    const result = await grepOutput(output('x x x\nno\nx'), compilePattern('x'), { ...DEFAULT_GREP_OPTIONS, contextLines: 0 });
    expect(result.lines).to.deep.equal([
      { line: 1, text: 'x x x', match: true },
      { line: 3, text: 'x', match: true },
    ]);
  });

  it('stops at the byte bound and says there is more', async () => {
    const result = await grepOutput(output('hit 1\nhit 2\nhit 3\n'), compilePattern('hit'), { ...DEFAULT_GREP_OPTIONS, contextLines: 0, maxBytes: 9 });
    expect(result.lines.map((line) => line.text)).to.deep.equal(['hit 1']);
    expect(result.more).to.equal(true);
  });

  it('cuts long lines and reports bytes no longer readable as a gap', async () => {
    const result = await grepOutput(output(`${'y'.repeat(100)}\nlong ${'z'.repeat(600)}\n`, 700), compilePattern('long'), { ...DEFAULT_GREP_OPTIONS, contextLines: 0 });
    expect(result.gap_bytes).to.be.above(0);
    expect(result.lines[0]?.text).to.have.length(513);
    expect(result.lines[0]?.text.endsWith('…')).to.equal(true);
  });
});
