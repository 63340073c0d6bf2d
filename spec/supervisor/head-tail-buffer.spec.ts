import { expect } from 'chai';
import { HeadTailBuffer, truncateLines } from '../../src/supervisor/head-tail-buffer.js';

const write = (buffer: HeadTailBuffer, ...parts: string[]): void => {
  for (const part of parts) buffer.write(Buffer.from(part));
};

describe('HeadTailBuffer', () => {
  it('renders nothing written as an empty output without truncation', () => {
    expect(new HeadTailBuffer().render()).to.deep.equal({ output: '', truncation: null });
  });

  it('ignores empty writes', () => {
    const buffer = new HeadTailBuffer({ headBytes: 4, tailBytes: 4 });
    buffer.write(Buffer.alloc(0));
    expect(buffer.totalBytes).to.equal(0);
    expect(buffer.length).to.equal(0);
  });

  it('keeps output that fits in the head whole, without truncation metadata', () => {
    const buffer = new HeadTailBuffer({ headBytes: 5, tailBytes: 10 });
    write(buffer, 'ab', 'cde');
    expect(buffer.render()).to.deep.equal({ output: 'abcde', truncation: null });
  });

  it('joins head and tail with a single newline when nothing was omitted', () => {
    const buffer = new HeadTailBuffer({ headBytes: 5, tailBytes: 10 });
    write(buffer, 'abcdefgh');
    expect(buffer.render()).to.deep.equal({
      output: 'abcde\nfgh',
      truncation: { originalBytes: 8, retainedBytes: 9, omittedBytes: 0, strategy: 'head_tail' },
    });
  });

  it('keeps the last tailBytes bytes after the ring wraps, with the omission marker', () => {
    const buffer = new HeadTailBuffer({ headBytes: 5, tailBytes: 10 });
    write(buffer, 'HEADD', '0123456789', 'abcdefghij', 'ABCDE');
    const { output, truncation } = buffer.render();
    const marker = '\n\n... [omitted 15 bytes] ...\n\n';
    expect(output).to.equal(`HEADD${marker}fghijABCDE`);
    expect(output.endsWith('fghijABCDE')).to.equal(true);
    expect(truncation).to.deep.equal({ originalBytes: 30, retainedBytes: 5 + marker.length + 10, omittedBytes: 15, strategy: 'head_tail' });
  });

  it('splits a single write across head and tail', () => {
    const buffer = new HeadTailBuffer({ headBytes: 3, tailBytes: 3 });
    write(buffer, 'abcdefghij');
    expect(buffer.render().output).to.equal('abc\n\n... [omitted 4 bytes] ...\n\nhij');
    expect(buffer.bytes().toString()).to.equal('abchij');
  });

  it('accumulates single-byte writes exactly', () => {
    const buffer = new HeadTailBuffer({ headBytes: 4, tailBytes: 4 });
    for (const c of 'abcdefghijk') write(buffer, c);
    expect(buffer.bytes().toString()).to.equal('abcdhijk');
    expect(buffer.totalBytes).to.equal(11);
    expect(buffer.render().truncation?.omittedBytes).to.equal(3);
  });

  it('treats exactly headBytes written as fitting (no metadata)', () => {
    const buffer = new HeadTailBuffer({ headBytes: 4, tailBytes: 4 });
    write(buffer, 'abcd');
    expect(buffer.render()).to.deep.equal({ output: 'abcd', truncation: null });
  });

  it('stays bounded whatever is written (5 MB with the default sizes)', () => {
    const buffer = new HeadTailBuffer();
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    for (let i = 0; i < 80; i += 1) buffer.write(chunk);
    expect(buffer.totalBytes).to.equal(80 * 64 * 1024);
    expect(buffer.length).to.be.at.most(32_768);
    const { truncation } = buffer.render();
    expect(truncation?.omittedBytes).to.equal(80 * 64 * 1024 - 32_768);
  });

  it('cuts long lines in the head even when no metadata is reported', () => {
    const buffer = new HeadTailBuffer({ headBytes: 100, tailBytes: 100, maxLineBytes: 32 });
    write(buffer, `${'x'.repeat(40)}\nshort\n`);
    const { output, truncation } = buffer.render();
    expect(output).to.equal(`${'x'.repeat(16)} ... [truncated]\nshort\n`);
    expect(truncation).to.equal(null);
  });

  it('cuts head and tail lines separately and counts the retained bytes after cutting', () => {
    const buffer = new HeadTailBuffer({ headBytes: 40, tailBytes: 40, maxLineBytes: 32 });
    write(buffer, 'h'.repeat(40), 'm'.repeat(10), 't'.repeat(40));
    const { output, truncation } = buffer.render();
    const cut = (c: string): string => `${c.repeat(16)} ... [truncated]`;
    const marker = '\n\n... [omitted 10 bytes] ...\n\n';
    expect(output).to.equal(`${cut('h')}${marker}${cut('t')}`);
    expect(truncation?.retainedBytes).to.equal(32 + marker.length + 32);
    expect(truncation?.originalBytes).to.equal(90);
  });

  it('decodes invalid UTF-8 with replacement characters', () => {
    const buffer = new HeadTailBuffer();
    buffer.write(Buffer.from([0x61, 0xff, 0x62]));
    expect(buffer.render().output).to.equal('a\uFFFDb');
  });

  describe('freeze', () => {
    it('keeps the rendered output and drops later writes from the view', () => {
      const buffer = new HeadTailBuffer({ headBytes: 4, tailBytes: 4 });
      write(buffer, 'abc');
      const frozen = buffer.freeze();
      write(buffer, 'zzz');
      expect(buffer.render()).to.equal(frozen);
      expect(frozen.output).to.equal('abc');
      expect(buffer.isFrozen).to.equal(true);
      expect(buffer.freeze()).to.equal(frozen);
    });
  });
});

describe('truncateLines', () => {
  it('returns input no longer than the limit unchanged', () => {
    const input = Buffer.from('x'.repeat(2048));
    expect(truncateLines(input, 2048)).to.equal(input);
  });

  it('cuts a 2049-byte line to exactly 2048 bytes with the suffix', () => {
    const output = truncateLines(Buffer.from('y'.repeat(2049)), 2048);
    expect(output.length).to.equal(2048);
    expect(output.toString().endsWith('y ... [truncated]')).to.equal(true);
  });

  it('keeps newlines and adds none to a final segment without one', () => {
    const output = truncateLines(Buffer.from(`${'a'.repeat(40)}\n\nb`), 32).toString();
    expect(output).to.equal(`${'a'.repeat(16)} ... [truncated]\n\nb`);
  });

  it('splits on \\n only, so \\r stays part of the line', () => {
    const output = truncateLines(Buffer.from(`${'a'.repeat(20)}\r${'b'.repeat(20)}`), 32).toString();
    expect(output).to.equal(`${'a'.repeat(16)} ... [truncated]`);
  });
});
