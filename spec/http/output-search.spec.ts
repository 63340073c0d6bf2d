import { expect } from 'chai';
import { startTestService, type TestService } from '../helpers/test-service.js';

const API = '/api/v0/processes';
type Body = Record<string, unknown>;

/** A node one-liner printing `lines` build lines with `error: disk full` at line `errorAt`, then `done`. */
function buildLog(lines: number, errorAt: number): string {
  const script = `let s='';for(let i=1;i<=${lines};i++){s+=(i===${errorAt}?'error: disk full':'compiling unit '+i+' with -O2 -Wall -Wextra')+'\\n';if(s.length>65536){process.stdout.write(s);s=''}}process.stdout.write(s+'done\\n')`;
  return `${JSON.stringify(process.execPath)} -e ${JSON.stringify(script).replace(/\$/g, '\\$')}`;
}

describe('whole-output reads (spill, match over everything, grep, omit_output)', () => {
  let service: TestService;
  before(async () => {
    // A small window: the error line is long gone from memory by the end.
    service = await startTestService({ streamWindowBytes: 65_536, exitedStreamBytes: 65_536 });
  });
  after(async () => {
    await service.close();
  });

  const get = async (path: string): Promise<{ status: number; body: Body }> => {
    const response = await service.request(path);
    return { status: response.status, body: (await response.json()) as Body };
  };
  async function run(command: string): Promise<string> {
    const response = await service.post(`${API}/start`, { command });
    const id = ((await response.json()) as Body).id as string;
    await get(`${API}/${id}/output?wait=true`);
    return id;
  }

  it('finds a pattern written long before the stream window with wait=match from cursor 0', async () => {
    const id = await run(buildLog(100_000, 50_000));
    const { body } = await get(`${API}/${id}/output?wait=match&pattern=${encodeURIComponent('^error: .*$')}&cursor=0&omit_output=true`);
    expect(body.wait_result).to.equal('match');
    expect((body.match as Body).text).to.equal('error: disk full');
    expect(body).not.to.have.property('output');
    expect(body).to.include({ running: false, exit_code: 0 });
  });

  it('greps the whole output: line numbers, context, bounded', async () => {
    const id = await run(buildLog(100_000, 50_000));
    const { body } = await get(`${API}/${id}/output?grep=${encodeURIComponent('^error:')}&context=1&omit_output=true`);
    const grep = body.grep as { lines: Body[]; matches: number; more: boolean; gap_bytes: number; scanned_bytes: number };
    expect(grep.lines).to.deep.equal([
      { line: 49_999, text: 'compiling unit 49999 with -O2 -Wall -Wextra', match: false },
      { line: 50_000, text: 'error: disk full', match: true },
      { line: 50_001, text: 'compiling unit 50001 with -O2 -Wall -Wextra', match: false },
    ]);
    expect(grep).to.include({ matches: 1, more: false, gap_bytes: 0 });
    expect(grep.scanned_bytes).to.be.above(4_000_000);
    expect(body).not.to.have.property('output');
  });

  it('reads a line range of the whole output (lines=FIRST-LAST), long after it left the window', async () => {
    const id = await run(buildLog(100_000, 50_000));
    const { body } = await get(`${API}/${id}/output?lines=49999-50001&omit_output=true`);
    expect(body.lines).to.deep.equal({
      first: 49_999,
      last: 50_001,
      text: 'compiling unit 49999 with -O2 -Wall -Wextra\nerror: disk full\ncompiling unit 50001 with -O2 -Wall -Wextra\n',
      more: false,
      gap_bytes: 0,
    });
    expect((await get(`${API}/${id}/output?lines=5-2`)).status).to.equal(400);
  });

  it('stops a grep at max_matches and says there is more', async () => {
    const id = await run('seq 1 1000');
    const { body } = await get(`${API}/${id}/output?grep=${encodeURIComponent('^5')}&context=0&max_matches=3`);
    expect(body.grep).to.deep.include({ matches: 3, more: true });
    expect((body.grep as { lines: Body[] }).lines.map((l) => l.text)).to.deep.equal(['5', '50', '51']);
    expect(body.output).to.be.a('string');
  });

  it('keeps v0 answers byte-identical without the new flags, and omits output on a cursor read with omit_output', async () => {
    const id = await run('echo hello');
    const plain = await (await service.request(`${API}/${id}/output`)).text();
    expect(JSON.parse(plain)).to.deep.equal({ output: 'hello\n', running: false, exit_code: 0, exit_reason: 'exited', duration_ms: (JSON.parse(plain) as Body).duration_ms });
    const { body } = await get(`${API}/${id}/output?cursor=2&omit_output=true`);
    expect(body).not.to.have.property('output');
    expect(body.delta).to.deep.equal({ cursor: 2, text: 'llo\n', gap_bytes: 0, has_more: false });
  });

  it('refuses a bad grep pattern with INVALID_REQUEST', async () => {
    const id = await run('true');
    const { status, body } = await get(`${API}/${id}/output?grep=${encodeURIComponent('(')}`);
    expect(status).to.equal(400);
    expect(body.detail).to.match(/^grep: /);
  });

  it('keeps /healthz answering while a pathological pattern scans a long line', async () => {
    const response = await service.post(`${API}/start`, { command: `${JSON.stringify(process.execPath)} -e "process.stdout.write('a'.repeat(4000000))"` });
    const id = ((await response.json()) as Body).id as string;
    await get(`${API}/${id}/output?wait=true`);
    const wait = get(`${API}/${id}/output?wait=match&cursor=0&pattern=${encodeURIComponent('(a+)+$b')}&timeout_ms=5000&omit_output=true`);
    const health = await service.request('/healthz');
    expect(health.status).to.equal(200);
    expect((await wait).body.wait_result).to.equal('exited');
  });
});

describe('whole-output reads with spillOutput: false', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({ spillOutput: false, streamWindowBytes: 65_536, exitedStreamBytes: 65_536 });
  });
  after(async () => {
    await service.close();
  });

  it('covers the stream window only, and says how many bytes it could not search', async () => {
    const response = await service.post(`${API}/start`, { command: buildLog(100_000, 50_000) });
    const id = ((await response.json()) as Body).id as string;
    await (await service.request(`${API}/${id}/output?wait=true`)).text();
    const body = (await (await service.request(`${API}/${id}/output?grep=${encodeURIComponent('^error:')}&omit_output=true`)).json()) as Body;
    const grep = body.grep as { matches: number; gap_bytes: number };
    expect(grep.matches).to.equal(0);
    expect(grep.gap_bytes).to.be.above(4_000_000);
  });
});
