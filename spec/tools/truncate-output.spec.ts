import { expect } from 'chai';
import { MAX_OUTPUT_TO_MODEL_BYTES, truncateOutput } from '../../src/tools/truncate-output.js';

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

describe('truncateOutput', () => {
  it('caps output at 32 KiB', () => {
    expect(MAX_OUTPUT_TO_MODEL_BYTES).to.equal(32_768);
    const cut = truncateOutput('x'.repeat(40_000));
    expect(cut).to.equal('x'.repeat(32_768));
  });

  it('returns output at the limit unchanged', () => {
    const exact = 'é'.repeat(16_384);
    expect(bytes(exact)).to.equal(32_768);
    expect(truncateOutput(exact)).to.equal(exact);
  });

  it('drops a two-byte character that the cut would split', () => {
    const text = `${'x'.repeat(32_767)}é and more`;
    const cut = truncateOutput(text);
    expect(cut).to.equal('x'.repeat(32_767));
  });

  it('drops a four-byte character split after its first, second or third byte', () => {
    for (const pad of [1, 2, 3]) {
      const text = `${'x'.repeat(32_768 - pad)}😀tail`;
      const cut = truncateOutput(text);
      expect(cut, `cut ${pad} bytes into the emoji`).to.equal('x'.repeat(32_768 - pad));
      expect(Buffer.from(cut, 'utf8').toString('utf8')).to.equal(cut);
    }
  });

  it('keeps a character that ends exactly at the limit', () => {
    const text = `${'x'.repeat(32_765)}日tail`;
    expect(truncateOutput(text)).to.equal(`${'x'.repeat(32_765)}日`);
  });

  it('honours a smaller limit', () => {
    expect(truncateOutput('aé', 2)).to.equal('a');
    expect(truncateOutput('ab', 2)).to.equal('ab');
  });
});
