import { expect } from 'chai';
import { formatGrepLines } from '../../src/tools/process-output-extended.js';

describe('formatGrepLines', () => {
  it('writes matches as "N: text", context as "N- text", and -- between groups', () => {
    expect(
      formatGrepLines([
        { line: 3, text: 'before', match: false },
        { line: 4, text: 'error: a', match: true },
        { line: 9, text: 'error: b', match: true },
      ]),
    ).to.equal('3- before\n4: error: a\n--\n9: error: b\n');
  });

  it('is empty for no lines', () => {
    expect(formatGrepLines([])).to.equal('');
  });
});
