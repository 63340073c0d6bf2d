import { expect } from 'chai';
import { cleanCell, cutTo, formatTable } from '../../src/cli/format-table.js';

describe('formatTable', () => {
  const header = ['ID', 'STATUS', 'COMMAND'];
  const rows = [
    ['a1', 'running', 'sleep 100'],
    ['b22', 'exited', 'echo hello world, a long command'],
  ];

  it('pads every column but the last to its widest cell, two spaces apart', () => {
    expect(formatTable(header, rows)).to.equal(
      ['ID   STATUS   COMMAND', 'a1   running  sleep 100', 'b22  exited   echo hello world, a long command', ''].join('\n'),
    );
  });

  it('cuts the last column so that no line is wider than maxWidth, marking the cut', () => {
    const lines = formatTable(header, rows, { maxWidth: 30 }).split('\n');
    expect(lines[2]).to.equal('b22  exited   echo hello worl…');
    expect(Math.max(...lines.map((line) => line.length))).to.equal(30);
  });

  it('keeps at least 10 characters of the last column on a very narrow terminal', () => {
    expect(formatTable(header, rows, { maxWidth: 5 }).split('\n')[2]).to.equal('b22  exited   echo hell…');
  });

  it('turns newlines and escape sequences in a cell into spaces', () => {
    expect(formatTable(['C'], [['a\nb\u001b[31mc']])).to.equal('C\na b [31mc\n');
  });
});

describe('cleanCell and cutTo', () => {
  it('folds runs of control characters into one space', () => {
    expect(cleanCell('for i in 1 2\r\n\tdo')).to.equal('for i in 1 2 do');
  });

  it('leaves a value that fits alone and cuts one that does not', () => {
    expect(cutTo('abc', 3)).to.equal('abc');
    expect(cutTo('abcd', 3)).to.equal('ab…');
    expect(cutTo('abcd', 0)).to.equal('');
  });
});
