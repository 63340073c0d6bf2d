import { expect } from 'chai';
import { ClientError } from '../../src/client/procvisor-client.js';
import { SignalForwarder } from '../../src/cli/signal-forwarder.js';
import { captureIo } from '../helpers/capture-io.js';
import { ScriptedApi } from '../helpers/scripted-api.js';

const URL = 'http://127.0.0.1:8420';
const ok = { message: 'sent' };

function notRunning(): ClientError {
  return new ClientError('UNEXPECTED_STATUS', 'x', { method: 'POST', url: URL, status: 409, response: { message: 'Process "p" is not running.', code: 'PROCESS_NOT_RUNNING' } });
}

describe('SignalForwarder', () => {
  it('holds a signal that arrives before the process has an id, and sends it on attach', async () => {
    const api = new ScriptedApi();
    api.signals.push(ok);
    const io = captureIo();
    const forwarder = new SignalForwarder(api, io, URL);
    io.raise('SIGINT');
    expect(api.calls).to.deep.equal([]);
    forwarder.attach('p');
    await forwarder.close();
    expect(api.calls.map((call) => [call.id, call.processSignal])).to.deep.equal([['p', 'interrupt']]);
  });

  it('sends terminate for SIGTERM, kill for the second signal, and gives up waiting at the third', async () => {
    const api = new ScriptedApi();
    api.signals.push(ok, ok);
    const io = captureIo();
    const forwarder = new SignalForwarder(api, io, URL);
    forwarder.attach('p');
    io.raise('SIGTERM');
    io.raise('SIGINT');
    expect(forwarder.abandoned.signal.aborted).to.equal(false);
    io.raise('SIGINT');
    expect(forwarder.abandoned.signal.aborted).to.equal(true);
    await forwarder.close();
    expect(api.calls.map((call) => call.processSignal)).to.deep.equal(['terminate', 'kill']);
    expect(io.err()).to.equal('procvisor: stopped waiting; process p may still be running\n');
  });

  it('ignores a process that already exited (409) and notes any other failure on stderr', async () => {
    const api = new ScriptedApi();
    api.signals.push(notRunning(), new Error('boom'));
    const io = captureIo();
    const forwarder = new SignalForwarder(api, io, URL);
    forwarder.attach('p');
    forwarder.send('interrupt');
    forwarder.send('kill');
    await forwarder.close();
    expect(io.err()).to.equal('procvisor: could not send kill: boom\n');
  });

  it('stops listening once closed', async () => {
    const api = new ScriptedApi();
    const io = captureIo();
    const forwarder = new SignalForwarder(api, io, URL);
    forwarder.attach('p');
    await forwarder.close();
    io.raise('SIGINT');
    expect(api.calls).to.deep.equal([]);
  });
});
