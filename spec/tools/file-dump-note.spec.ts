import { expect } from 'chai';
import { FILE_DUMP_NOTE, fileDumpNote } from '../../src/tools/file-dump-note.js';

describe('fileDumpNote', () => {
  it('notes commands that dump whole files', () => {
    for (const command of ['cat foo.txt', 'cat\tfoo', 'grep -l pattern .', 'rg -l x', 'rg foo --include-all', 'grep -r x --include-all .']) {
      expect(fileDumpNote(command), command).to.equal(FILE_DUMP_NOTE);
    }
  });

  it('leaves other commands alone', () => {
    for (const command of [' cat foo', 'concatenate foo', 'grep -r x', 'cat', 'echo cat foo', 'rg -lx', 'catalog list']) {
      expect(fileDumpNote(command), command).to.equal(undefined);
    }
  });

  it('has the reference wording', () => {
    expect(FILE_DUMP_NOTE).to.equal('Consider using read_file instead of dumping file contents with shell commands.');
  });
});
