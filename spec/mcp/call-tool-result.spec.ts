import { expect } from 'chai';
import { toCallToolResult } from '../../src/mcp/mcp-server.js';

describe('toCallToolResult', () => {
  it('keeps a tool error as plain text', () => {
    expect(toCallToolResult({ text: 'process_id is required', isError: true }, true)).to.deep.equal({ content: [{ type: 'text', text: 'process_id is required' }], isError: true });
  });

  it('splits a result into structured fields and the output as its own plain text block', () => {
    const result = toCallToolResult({ text: '{"success":true,"output":"a\\u003cb\\n","exit_code":0}', isError: false }, true);
    expect(result.content).to.deep.equal([
      { type: 'text', text: '{"success":true,"exit_code":0,"output_bytes":4}' },
      { type: 'text', text: 'a<b\n' },
    ]);
    expect(result.structuredContent).to.deep.equal({ success: true, exit_code: 0, output_bytes: 4 });
  });

  it('gives a result without output as structured content and its JSON text', () => {
    const text = '{"message":"signal \\"kill\\" sent to process p","success":true}';
    expect(toCallToolResult({ text, isError: false }, true)).to.deep.equal({ content: [{ type: 'text', text }], structuredContent: JSON.parse(text) as unknown, isError: false });
  });

  it('passes text that is not a JSON object through', () => {
    expect(toCallToolResult({ text: 'not json', isError: false }, true)).to.deep.equal({ content: [{ type: 'text', text: 'not json' }], isError: false });
  });
});
