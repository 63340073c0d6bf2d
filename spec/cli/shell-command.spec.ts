import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { shellQuote, toShellCommand } from '../../src/cli/shell-command.js';

describe('toShellCommand', () => {
  it('takes a single argument as a shell command line, as written', () => {
    expect(toShellCommand(['make && make test | tee log'])).to.equal('make && make test | tee log');
  });

  it('quotes each of several arguments, so that the shell sees exactly that argv', () => {
    expect(toShellCommand(['sh', '-c', 'exit 7'])).to.equal("sh -c 'exit 7'");
    const argv = ['printf', '%s|', "it's", '$HOME', '', 'a b', '*', 'x=1', '--flag=/a/b,c:d'];
    expect(execFileSync('sh', ['-c', toShellCommand(argv)], { encoding: 'utf8' })).to.equal("it's|$HOME||a b|*|x=1|--flag=/a/b,c:d|");
  });
});

describe('shellQuote', () => {
  it('leaves safe words bare and single-quotes the rest', () => {
    expect(shellQuote('ls')).to.equal('ls');
    expect(shellQuote('-la')).to.equal('-la');
    expect(shellQuote('')).to.equal("''");
    expect(shellQuote("a'b")).to.equal("'a'\\''b'");
  });
});
