import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'chai';
import type { ProcvisorClient } from '../../src/client/procvisor-client.js';
import { createChatTools } from '../../src/tools/chat-tools.js';
import type { ChatTool } from '../../src/tools/chat-tool.js';
import { MAX_ERROR_LINES_BYTES, MAX_NEW_OUTPUT_BYTES } from '../../src/tools/new-output.js';
import { useRealAgent } from '../helpers/real-agent.js';

type Result = Record<string, unknown> & { output: string; exit_code?: number; omitted_bytes?: number; process_id?: string };

const BIN = resolve('node_modules/.bin');
/** 2000 lines (about 70 KB) without an error word: pushes what follows out of the kept head. */
const FILLER = `i=1; while [ $i -le 2000 ]; do echo "compiling module $i of the project, all good"; i=$((i+1)); done`;

describe('cut output keeps the error-looking lines of the omitted part (real tsc, mocha, python)', function () {
  this.timeout(60_000);
  let client: ProcvisorClient;
  let tools: Map<string, ChatTool>;
  let dir: string;
  let url: string;
  useRealAgent(
    (agent) => {
      client = agent.client;
      url = agent.service.url;
      tools = new Map(createChatTools({ client, processInput: true }).map((tool) => [tool.name, tool]));
      dir = mkdtempSync(join(tmpdir(), 'procvisor-errors-'));
    },
    { streamWindowBytes: 65_536, exitedStreamBytes: 65_536 },
  );
  async function execute(command: string): Promise<Result> {
    const response = await tools.get('execute')!.run({ command, workdir: dir, lifetime: '2m', timeout: '50s' });
    expect(response.isError, response.text).to.equal(false);
    return JSON.parse(response.text) as Result;
  }
  function omittedPart(output: string): string {
    const start = output.indexOf('bytes omitted');
    expect(start, 'the output was cut').to.be.above(0);
    return output.slice(start, output.indexOf('\ncompiling module', start));
  }

  it('a tsc error in the middle of a long build log, with its line number', async () => {
    writeFileSync(join(dir, 'bad.ts'), 'const x: number = "a";\n');
    const result = await execute(`${FILLER}; ${BIN}/tsc --noEmit bad.ts; status=$?; ${FILLER}; exit $status`);
    expect(result.exit_code).to.equal(2);
    expect(result.omitted_bytes).to.be.above(70_000);
    expect(omittedPart(result.output)).to.equal(
      "bytes omitted: use process_output with grep, or since …]\n[error-looking lines in the omitted part, by line number:]\n[line 2001] bad.ts(1,7): error TS2322: Type 'string' is not assignable to type 'number'.",
    );
    expect(Buffer.byteLength(result.output)).to.be.at.most(MAX_NEW_OUTPUT_BYTES + MAX_ERROR_LINES_BYTES);
  });

  it('a failing mocha test: the failing count and the AssertionError', async () => {
    writeFileSync(join(dir, 'failing.spec.cjs'), "const assert = require('node:assert');\nit('adds', () => { assert.strictEqual(1 + 1, 3); });\n");
    const result = await execute(`${FILLER}; ${BIN}/mocha --no-config --reporter spec failing.spec.cjs; status=$?; ${FILLER}; exit $status`);
    expect(result.exit_code).to.equal(1);
    const part = omittedPart(result.output);
    expect(part).to.match(/\[line 20\d\d\]\s+1 failing\n/);
    expect(part).to.match(/\[line 20\d\d\]\s+AssertionError \[ERR_ASSERTION\]: Expected values to be strictly equal:\n/);
    expect(part).not.to.include('passing');
  });

  it('a Python traceback in the middle: the Traceback line and the exception, not the frames', async () => {
    const result = await execute(`${FILLER}; python3 -c 'import json; json.loads("{bad")' ; ${FILLER}`);
    expect(result.exit_code).to.equal(0);
    const part = omittedPart(result.output);
    expect(part).to.include('[line 2001] Traceback (most recent call last):\n');
    expect(part).to.match(/\[line 20\d\d\] json\.decoder\.JSONDecodeError: Expecting property name enclosed in double quotes/);
    expect(part).not.to.include('File "');
  });

  it('lists at most 20 lines and counts the others', async () => {
    const result = await execute(`${FILLER}; i=1; while [ $i -le 50 ]; do echo "src/m$i.c:$i:5: error: expected ';'"; i=$((i+1)); done; ${FILLER}`);
    const part = omittedPart(result.output);
    expect(part.match(/^\[line \d+\] /gm)).to.have.length(20);
    expect(part).to.include("[line 2001] src/m1.c:1:5: error: expected ';'\n");
    expect(part).to.include('[… 30 more error-looking lines omitted: process_output grep finds them …]');
  });

  it('adds nothing when the omitted part has no error-looking line (and none for output that is not cut)', async () => {
    const clean = await execute(`${FILLER}; echo "0 errors, no failures"; ${FILLER}`);
    expect(clean.output).not.to.include('error-looking');
    const short = await execute('echo "error: short"; exit 3');
    expect(short.output).to.equal('error: short\n');
  });

  it('the API answers error_lines for a byte range and refuses a bad one', async () => {
    const started = await client.startProcess({ command: 'echo ok; echo "TypeError: x is undefined"; echo fine; echo "panic: boom"' });
    await client.processOutput(started.id, { wait: true });
    const read = await client.readOutput(started.id, { error_lines: '3-100', omit_output: true });
    expect(read.error_lines).to.deep.equal({ lines: [{ line: 2, text: 'TypeError: x is undefined' }, { line: 4, text: 'panic: boom' }], more: 0, scanned_bytes: 43 });
    const bad = await fetch(`${url}/api/v0/processes/${started.id}/output?error_lines=9-3`);
    expect(bad.status).to.equal(400);
    expect(((await bad.json()) as { detail: string }).detail).to.include('error_lines');
  });
});
