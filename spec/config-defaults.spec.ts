import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { CONFIG_DEFAULTS, loadConfig } from '../src/config.js';
import { ProcvisorError } from '../src/errors.js';
import { DEFAULT_HEAD_TAIL_SIZES } from '../src/supervisor/head-tail-buffer.js';
import { DEFAULT_OUTPUT_SIZES } from '../src/supervisor/process-output.js';
import { DEFAULT_SPILL_LIMITS } from '../src/supervisor/spill-store.js';

describe('CONFIG_DEFAULTS', () => {
  const file = JSON.parse(readFileSync(new URL('../config/default.json', import.meta.url), 'utf8')) as Record<string, unknown>;

  it('is config/default.json, and what loadConfig gives without files or environment', () => {
    expect(CONFIG_DEFAULTS).to.deep.equal(file);
    expect(loadConfig({})).to.deep.equal(CONFIG_DEFAULTS);
  });

  it('is where the modules that take settings get their defaults', () => {
    expect(DEFAULT_HEAD_TAIL_SIZES).to.deep.equal({ headBytes: file.headBytes, tailBytes: file.tailBytes, maxLineBytes: file.maxLineBytes });
    expect(DEFAULT_OUTPUT_SIZES).to.include({ streamWindowBytes: file.streamWindowBytes, exitedStreamBytes: file.exitedStreamBytes });
    expect(DEFAULT_SPILL_LIMITS).to.deep.equal({ maxBytesPerProcess: file.spillMaxBytesPerProcess, maxBytesTotal: file.spillMaxBytesTotal });
  });
});

describe('loadConfig errors', () => {
  it('are ProcvisorErrors with code CONFIG_INVALID', () => {
    expect(() => loadConfig({ PORT: 'x' }))
      .to.throw(ProcvisorError, 'Invalid configuration: port:')
      .with.property('code', 'CONFIG_INVALID');
  });
});
