import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { isLoopbackHost, loadConfig } from '../src/config.js';
import { ProcvisorError } from '../src/errors.js';

describe('loadConfig', () => {
  it('loads the defaults: loopback only, the reference bounds', () => {
    const config = loadConfig({});
    expect(config).to.include({ host: '127.0.0.1', port: 8420, headBytes: 16384, tailBytes: 16384, maxLineBytes: 2048, drainTimeoutMs: 5000, maxWaitMs: 300000, reapAfterMs: 300000, listLimit: 10 });
  });

  it('takes PORT, HOST, LOG_LEVEL and PROCVISOR_<KEY> from the environment', () => {
    const config = loadConfig({ PORT: '9000', HOST: '0.0.0.0', LOG_LEVEL: 'debug', PROCVISOR_DRAIN_TIMEOUT_MS: '100', PROCVISOR_WORKDIR: '/srv', PROCVISOR_ALLOW_UNAUTHENTICATED_REMOTE: 'true' });
    expect(config).to.include({ port: 9000, host: '0.0.0.0', logLevel: 'debug', drainTimeoutMs: 100, workdir: '/srv', allowUnauthenticatedRemote: true });
  });

  it('reads the file named by PROCVISOR_CONFIG, under the environment overrides', () => {
    const dir = mkdtempSync(join(tmpdir(), 'procvisor-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ port: 7000, listLimit: 25 }));
    const config = loadConfig({ PROCVISOR_CONFIG: file, PORT: '7001' });
    expect(config).to.include({ port: 7001, listLimit: 25 });
  });

  it('names every bad setting', () => {
    try {
      loadConfig({ PORT: 'eighty', PROCVISOR_LIST_LIMIT: '0' });
      expect.fail('expected an error');
    } catch (error) {
      expect(error).to.be.instanceOf(ProcvisorError);
      expect((error as Error).message).to.match(/^Invalid configuration: port: .*; listLimit: .*\.$/);
    }
  });

  it('has access control off, TCP on loopback and no socket by default', () => {
    expect(loadConfig({})).to.include({ authToken: null, socket: null, allowUnauthenticatedRemote: false, host: '127.0.0.1' });
  });

  it('takes PROCVISOR_AUTH_TOKEN and PROCVISOR_SOCKET, an empty value meaning unset', () => {
    expect(loadConfig({ PROCVISOR_AUTH_TOKEN: 'a'.repeat(32), PROCVISOR_SOCKET: '/run/user/1000/procvisor.sock' })).to.include({
      authToken: 'a'.repeat(32),
      socket: '/run/user/1000/procvisor.sock',
    });
    expect(loadConfig({ PROCVISOR_AUTH_TOKEN: '', PROCVISOR_SOCKET: '' })).to.include({ authToken: null, socket: null });
  });

  it('refuses a short or spaced token, a too-long socket path and a non-boolean flag', () => {
    expect(() => loadConfig({ PROCVISOR_AUTH_TOKEN: 'short' })).to.throw(/authToken: must be at least 16 characters/);
    expect(() => loadConfig({ PROCVISOR_AUTH_TOKEN: 'has a space in it, sixteen+' })).to.throw(/authToken: must be printable ASCII/);
    expect(() => loadConfig({ PROCVISOR_SOCKET: `/${'s'.repeat(107)}` })).to.throw(/socket: must be at most 107 bytes/);
    expect(() => loadConfig({ PROCVISOR_ALLOW_UNAUTHENTICATED_REMOTE: 'yes' })).to.throw(/allowUnauthenticatedRemote: /);
  });

  it('refuses a non-loopback host without a token, saying why and what to do', () => {
    try {
      loadConfig({ HOST: '0.0.0.0' });
      expect.fail('expected an error');
    } catch (error) {
      expect(error).to.be.instanceOf(ProcvisorError);
      expect((error as Error).message).to.equal('Invalid configuration: host "0.0.0.0" is reachable from other machines and no authToken is set.');
      expect((error as ProcvisorError).detail).to.match(/could run commands as this user.*PROCVISOR_AUTH_TOKEN.*PROCVISOR_SOCKET.*PROCVISOR_ALLOW_UNAUTHENTICATED_REMOTE=true/);
    }
    expect(() => loadConfig({ HOST: 'build-box.example.com' })).to.throw(/reachable from other machines/);
  });

  it('accepts a non-loopback host with a token, with the explicit opt-out, or when a socket replaces TCP', () => {
    expect(loadConfig({ HOST: '::', PROCVISOR_AUTH_TOKEN: 'b'.repeat(24) }).host).to.equal('::');
    expect(loadConfig({ HOST: '10.0.0.5', PROCVISOR_ALLOW_UNAUTHENTICATED_REMOTE: 'true' }).host).to.equal('10.0.0.5');
    expect(loadConfig({ HOST: '0.0.0.0', PROCVISOR_SOCKET: '/tmp/p.sock' }).socket).to.equal('/tmp/p.sock');
  });
});

describe('isLoopbackHost', () => {
  it('knows localhost, 127.0.0.0/8, ::1 and IPv4-mapped loopback', () => {
    for (const host of ['localhost', 'LOCALHOST', '127.0.0.1', '127.8.9.10', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackHost(host), host).to.equal(true);
  });

  it('counts every other address and every other name as remote', () => {
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', '::ffff:10.0.0.1', 'example.com', 'localhost.example.com', '128.0.0.1']) {
      expect(isLoopbackHost(host), host).to.equal(false);
    }
  });
});

describe('loadConfig: allowedHosts and allowedOrigins', () => {
  it('are empty by default', () => {
    expect(loadConfig({})).to.deep.include({ allowedHosts: [], allowedOrigins: [], authTokenFile: null });
  });

  it('take comma-separated lists from PROCVISOR_ALLOWED_HOSTS and PROCVISOR_ALLOWED_ORIGINS, lower-cased', () => {
    const config = loadConfig({ PROCVISOR_ALLOWED_HOSTS: 'Box.LAN, .dev.example,,*', PROCVISOR_ALLOWED_ORIGINS: 'https://App.Example/, http://10.0.0.5:8420' });
    expect(config.allowedHosts).to.deep.equal(['box.lan', '.dev.example', '*']);
    expect(config.allowedOrigins).to.deep.equal(['https://app.example', 'http://10.0.0.5:8420']);
    expect(loadConfig({ PROCVISOR_ALLOWED_HOSTS: '' }).allowedHosts).to.deep.equal([]);
  });

  it('refuses a host with a scheme or port, and an origin with a path or another scheme', () => {
    expect(() => loadConfig({ PROCVISOR_ALLOWED_HOSTS: 'http://box.lan' })).to.throw(/allowedHosts\.0: must be a host name without scheme or port/);
    expect(() => loadConfig({ PROCVISOR_ALLOWED_HOSTS: 'box.lan:8420' })).to.throw(/allowedHosts\.0: /);
    expect(() => loadConfig({ PROCVISOR_ALLOWED_ORIGINS: 'https://app.example/path' })).to.throw(/allowedOrigins\.0: must be an origin/);
    expect(() => loadConfig({ PROCVISOR_ALLOWED_ORIGINS: 'null' })).to.throw(/allowedOrigins\.0: /);
    expect(() => loadConfig({ PROCVISOR_ALLOWED_ORIGINS: 'ftp://app.example' })).to.throw(/allowedOrigins\.0: /);
  });
});
