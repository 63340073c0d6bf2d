import { expect } from 'chai';
import { SH_NOT_FOUND_GUIDANCE, withShellGuidance } from '../../src/tools/shell-guidance.js';

describe('withShellGuidance', () => {
  it('appends the guidance after a blank line when sh is missing ($PATH or %PATH%)', () => {
    for (const tail of ['$PATH', '%PATH%']) {
      const message = `start process: …\n\tError: start process: exec: "sh": executable file not found in ${tail}`;
      expect(withShellGuidance(message)).to.equal(`${message}\n\n${SH_NOT_FOUND_GUIDANCE}`);
    }
  });

  it('says what is wrong, what to install, and where to read more', () => {
    expect(SH_NOT_FOUND_GUIDANCE).to.include('no POSIX shell (sh) on its PATH');
    expect(SH_NOT_FOUND_GUIDANCE).to.include('"sh -c"');
    expect(SH_NOT_FOUND_GUIDANCE).to.include('Git Bash');
    expect(SH_NOT_FOUND_GUIDANCE).to.include('restart the workspace');
    expect(SH_NOT_FOUND_GUIDANCE).to.include('https://coder.com/docs/ai-coder/agents/architecture#windows-workspace-shell-requirement');
  });

  it('leaves other errors alone', () => {
    const message = 'start process: chdir /nope: no such file or directory';
    const result = withShellGuidance(message);
    expect(result).to.equal(message);
    expect(result).not.to.include('Git Bash');
    expect(result).not.to.include('coder.com/docs');
  });
});
