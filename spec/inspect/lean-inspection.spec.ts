import { expect } from 'chai';
import { leanEvent, leanSnapshot } from '../../src/inspect/lean-inspection.js';
import { HeadTailBuffer } from '../../src/supervisor/head-tail-buffer.js';

describe('leanSnapshot', () => {
  it('keeps status, value and a context without environment, buffer, output text or functions', () => {
    const buffer = new HeadTailBuffer();
    buffer.write(Buffer.from('12345'));
    const lean = leanSnapshot({
      status: 'active',
      value: { running: 'alive' },
      input: { secret: true },
      children: { child: {} },
      context: {
        request: { command: 'ls', cwd: '/tmp', env: { TOKEN: 'secret' } },
        buffer,
        now: () => 0,
        pid: 42,
        output: { output: 'all of it', truncation: null },
      },
    });
    expect(lean).to.deep.equal({
      status: 'active',
      value: { running: 'alive' },
      context: { request: { command: 'ls', cwd: '/tmp' }, outputBytes: 5, pid: 42, output: '(omitted: read it through the process API)' },
    });
    expect(leanSnapshot(lean)).to.deep.equal(lean);
  });

  it('turns an error into its text and tolerates a snapshot without context', () => {
    expect(leanSnapshot({ status: 'error', error: new TypeError('boom') })).to.deep.equal({ status: 'error', error: 'TypeError: boom' });
    expect(leanSnapshot(undefined)).to.deep.equal({ status: undefined });
  });
});

describe('leanEvent', () => {
  it('drops the input of xstate.init and turns errors into text', () => {
    expect(leanEvent({ type: 'xstate.init', input: { request: { env: { TOKEN: 'x' } } } })).to.deep.equal({ type: 'xstate.init' });
    expect(leanEvent({ type: 'xstate.error.actor.child', error: new Error('no sh') })).to.deep.equal({ type: 'xstate.error.actor.child', error: 'Error: no sh' });
    expect(leanEvent({ type: 'child.exited', code: 0, signal: null })).to.deep.equal({ type: 'child.exited', code: 0, signal: null });
    // What a client typed (a password at a prompt, say) is reduced to its length.
    expect(leanEvent({ type: 'input', data: Buffer.from('hunter2\n'), eof: false, reply: () => undefined })).to.deep.equal({ type: 'input', data: { bytes: 8 }, eof: false });
  });
});
