import { expect } from 'chai';
import { formatGrepLines, numberLines } from '../../src/tools/process-output-extended.js';

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

describe('numberLines', () => {
  it('numbers each line from the first, as grep -n does, with or without a final newline', () => {
    expect(numberLines('a\nb\n', 7)).to.equal('7: a\n8: b\n');
    expect(numberLines('a\n\nc', 1)).to.equal('1: a\n2: \n3: c\n');
    expect(numberLines('', 5)).to.equal('');
  });
});
