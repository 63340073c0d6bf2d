import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ERROR_LINE_LIMITS } from '../../src/supervisor/error-lines.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

const API = '/api/v0/processes';
type Body = Record<string, unknown>;
type ErrorLines = { lines: { line: number; text: string }[]; more: number; scanned_bytes: number };

describe('GET /{id}/output?error_lines=FROM-TO (real service, output spilled past the window)', () => {
  let service: TestService;
  let dir: string;
  before(async () => {
    service = await startTestService({ streamWindowBytes: 65_536, exitedStreamBytes: 65_536 });
    dir = mkdtempSync(join(tmpdir(), 'procvisor-error-lines-'));
  });
  after(async () => {
    await service.close();
  });
  async function run(command: string): Promise<{ id: string; total: number }> {
    const response = await service.post(`${API}/start`, { command });
    const id = ((await response.json()) as Body).id as string;
    const done = (await (await service.request(`${API}/${id}/output?wait=exit&omit_output=true`)).json()) as Body;
    return { id, total: done.next_cursor as number };
  }
  async function errorLines(id: string, range: string): Promise<ErrorLines> {
    const response = await service.request(`${API}/${id}/output?error_lines=${range}&omit_output=true`);
    expect(response.status).to.equal(200);
    return ((await response.json()) as { error_lines: ErrorLines }).error_lines;
  }

  it('numbers lines across 1 MiB scan steps in a 4 MB output', async () => {
    const script = `let s='';for(let i=1;i<=100000;i++){s+=([5000,60000,99999].includes(i)?'E'+i+': task failed':'line '+i+' is fine and long enough to matter')+'\\n';if(s.length>65536){process.stdout.write(s);s=''}}process.stdout.write(s)`;
    const { id, total } = await run(`${JSON.stringify(process.execPath)} -e ${JSON.stringify(script)}`);
    expect(total).to.be.above(4_000_000);
    const found = await errorLines(id, `0-${total}`);
    expect(found.lines).to.deep.equal([
      { line: 5000, text: 'E5000: task failed' },
      { line: 60000, text: 'E60000: task failed' },
      { line: 99999, text: 'E99999: task failed' },
    ]);
    expect(found).to.include({ more: 0, scanned_bytes: total });
  });

  it('lists only lines that start inside the range', async () => {
    // "error one\n" is bytes 0-9, "error two\n" 10-19, "error three\n" 20-31.
    const { id } = await run(`printf 'error one\\nerror two\\nerror three\\n'`);
    expect((await errorLines(id, '3-20')).lines).to.deep.equal([{ line: 2, text: 'error two' }]);
    expect((await errorLines(id, '10-21')).lines.map((l) => l.line)).to.deep.equal([2, 3]);
    expect((await errorLines(id, '0-0')).lines).to.deep.equal([]);
  });

  it('matches what compilers, test runners and runtimes print, and not look-alikes', async () => {
    const positive = [
      'src/a.c:3:5: error: expected ";"',
      "bad.ts(1,7): error TS2322: Type 'string' is not assignable",
      'FAIL src/app.test.ts',
      '  2 failing',
      "AssertionError [ERR_ASSERTION]: Expected values to be strictly equal",
      'TypeError: Cannot read properties of undefined',
      'panic: runtime error: index out of range',
      'Traceback (most recent call last):',
      'Exception in thread "main" java.lang.NullPointerException',
      'fatal: not a git repository',
      'ERROR in ./src/index.js',
      'npm ERR! Test failed.',
    ];
    const negative = ['0 errors, 0 warnings', 'warning: unused variable', '  12 passing (3s)', 'import ErrorBoundary from "./x"', 'renderErrors()', 'failure rate 0%', 'terrorism'];
    const file = join(dir, 'lines.txt');
    writeFileSync(file, [...positive, ...negative].map((line) => `${line}\n`).join(''));
    const { id, total } = await run(`cat ${file}`);
    const found = await errorLines(id, `0-${total}`);
    expect(found.lines.map((entry) => entry.text)).to.deep.equal(positive);
  });

  it('lists at most maxLines lines, cuts long ones, and counts the rest', async () => {
    const long = 'x'.repeat(1000);
    const { id, total } = await run(`i=1; while [ $i -le 30 ]; do echo "error $i ${long}"; i=$((i+1)); done`);
    const found = await errorLines(id, `0-${total}`);
    expect(found.lines).to.have.length(ERROR_LINE_LIMITS.maxLines);
    expect(found.more).to.equal(30 - ERROR_LINE_LIMITS.maxLines);
    expect(found.lines[0]!.text).to.have.length(ERROR_LINE_LIMITS.maxLineChars + 1);
    expect(found.lines[0]!.text.endsWith('…')).to.equal(true);
  });

  it('counts every matching line when there are thousands in one scan step, with the right line numbers after it', async () => {
    const { id, total } = await run('i=1; while [ $i -le 6000 ]; do echo "error $i"; i=$((i+1)); done');
    const all = await errorLines(id, `0-${total}`);
    expect(all.lines[0]).to.deep.equal({ line: 1, text: 'error 1' });
    expect(all.more).to.equal(6000 - ERROR_LINE_LIMITS.maxLines);
    // The offset of line 5001: lines 1-9 are 8 bytes, 10-99 9, 100-999 10, 1000-5000 11.
    const offset = 9 * 8 + 90 * 9 + 900 * 10 + 4001 * 11;
    const late = await errorLines(id, `${offset}-${total}`);
    expect(late.lines[0]).to.deep.equal({ line: 5001, text: 'error 5001' });
    expect(late.lines).to.have.length(ERROR_LINE_LIMITS.maxLines);
    expect(late.more).to.equal(1000 - ERROR_LINE_LIMITS.maxLines);
  });

  it('refuses a malformed or reversed range with 400 naming error_lines', async () => {
    const { id } = await run('echo hi');
    for (const bad of ['5', '9-3', 'a-b']) {
      const response = await service.request(`${API}/${id}/output?error_lines=${bad}`);
      expect(response.status, bad).to.equal(400);
      const body = (await response.json()) as { code: string; detail: string };
      expect(body.code).to.equal('INVALID_REQUEST');
      expect(body.detail).to.include('error_lines');
    }
  });
});
