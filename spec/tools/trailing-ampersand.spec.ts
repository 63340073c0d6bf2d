import { expect } from 'chai';
import { goTrimSpace, promoteTrailingAmpersand } from '../../src/tools/trailing-ampersand.js';

describe('promoteTrailingAmpersand', () => {
  const cases: [string, boolean, string, boolean][] = [
    ['npm run dev &', false, 'npm run dev', true],
    ['  sleep 5 &  \n', false, 'sleep 5', true],
    ['cmd1 && cmd2 &', false, 'cmd1 && cmd2', true],
    ['sleep 1 & sleep 2 &', false, 'sleep 1 & sleep 2', true],
    ['cmd &&', false, 'cmd &&', false],
    ['cmd |&', false, 'cmd |&', false],
    ['echo a & echo b', false, 'echo a & echo b', false],
    ['echo hi', false, 'echo hi', false],
    ['cmd &', true, 'cmd &', true],
    ['  cmd  ', true, '  cmd  ', true],
  ];
  for (const [command, runInBackground, sent, background] of cases) {
    it(`sends ${JSON.stringify(command)} (run_in_background=${runInBackground}) as ${JSON.stringify(sent)}, background=${background}`, () => {
      expect(promoteTrailingAmpersand(command, runInBackground)).to.deep.equal({ command: sent, background });
    });
  }

  it('leaves a foreground command exactly as given, untrimmed', () => {
    expect(promoteTrailingAmpersand('  echo hi  ', false)).to.deep.equal({ command: '  echo hi  ', background: false });
  });
});

describe('goTrimSpace', () => {
  it("trims what Go's strings.TrimSpace trims, and only that", () => {
    expect(goTrimSpace('\t\n\v\f\r \u0085\u00a0x\u2003\u3000')).to.equal('x');
    expect(goTrimSpace('\ufeffx')).to.equal('\ufeffx');
  });
});
