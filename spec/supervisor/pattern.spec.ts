import { expect } from 'chai';
import { ProcvisorError } from '../../src/errors.js';
import { compilePattern } from '../../src/supervisor/pattern.js';

describe('compilePattern', () => {
  it('finds matches with byte offsets in UTF-8 bytes', () => {
    const found = compilePattern('wörld').find(Buffer.from('héllo wörld'));
    expect(found).to.deep.equal({ start: 7, end: 13, text: 'wörld' });
  });

  it('matches ^ and $ at line ends', () => {
    expect(compilePattern('^ready$').find(Buffer.from('booting\nready\nmore'))).to.include({ start: 8, text: 'ready' });
  });

  it('searches from a byte offset', () => {
    expect(compilePattern('a').find(Buffer.from('a-a'), 1)).to.include({ start: 2 });
    expect(compilePattern('a').find(Buffer.from('a'), 1)).to.equal(null);
  });

  it('runs a pathological backtracking pattern in linear time', () => {
    // JavaScript's backtracking engine would not finish this within the spec's timeout.
    expect(compilePattern('(a+)+$').find(Buffer.from(`${'a'.repeat(200_000)}b`))).to.equal(null);
  });

  it('refuses an invalid pattern with INVALID_REQUEST naming the field and the syntax', () => {
    try {
      compilePattern('(', 'grep');
      expect.fail('compiled');
    } catch (error) {
      expect(error).to.be.instanceOf(ProcvisorError);
      expect((error as ProcvisorError).code).to.equal('INVALID_REQUEST');
      expect((error as ProcvisorError).detail).to.match(/^grep: .*\(patterns use RE2 syntax\)$/);
    }
  });

  it('refuses backreferences (not RE2)', () => {
    expect(() => compilePattern('(a)\\1')).to.throw(ProcvisorError);
  });
});
