import { expect } from 'chai';
import { encodeExecuteResult, errorResult, outputResult } from '../../src/tools/execute-result.js';

describe('encodeExecuteResult', () => {
  it("writes the fields in the reference's order, with exit_code and wall_duration_ms always present", () => {
    const text = encodeExecuteResult({
      background_process_id: 'p1',
      note: 'n',
      truncated: { strategy: 'head_tail', omitted_bytes: 3, retained_bytes: 2, original_bytes: 5 },
      error: 'e',
      wall_duration_ms: 7,
      exit_code: -1,
      output: 'o',
      success: false,
    });
    expect(text).to.equal(
      '{"success":false,"output":"o","exit_code":-1,"wall_duration_ms":7,"error":"e",' +
        '"truncated":{"original_bytes":5,"retained_bytes":2,"omitted_bytes":3,"strategy":"head_tail"},"note":"n","background_process_id":"p1"}',
    );
  });

  it('leaves out empty optional fields', () => {
    expect(encodeExecuteResult({ success: true, output: '', exit_code: 0, wall_duration_ms: 0, error: '', note: '' })).to.equal(
      '{"success":true,"exit_code":0,"wall_duration_ms":0}',
    );
  });

  it("escapes <, > and & as Go's json.Marshal does", () => {
    expect(encodeExecuteResult({ success: true, output: '<a> & b', exit_code: 0, wall_duration_ms: 1 })).to.equal(
      '{"success":true,"output":"\\u003ca\\u003e \\u0026 b","exit_code":0,"wall_duration_ms":1}',
    );
  });
});

describe('errorResult', () => {
  it('is a failed result with exit code 0 and no duration', () => {
    expect(errorResult('list processes: boom')).to.equal('{"success":false,"exit_code":0,"wall_duration_ms":0,"error":"list processes: boom"}');
  });
});

describe('outputResult', () => {
  it('succeeds only on exit code 0, and reads a missing exit code as 0', () => {
    expect(outputResult({ output: 'x', running: false, exit_code: 2 })).to.include({ success: false, exit_code: 2 });
    expect(outputResult({ output: 'x', running: false })).to.include({ success: true, exit_code: 0 });
  });
});
