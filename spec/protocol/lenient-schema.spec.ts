import { expect } from 'chai';
import * as v from 'valibot';
import { lenient } from '../../src/protocol/lenient-schema.js';
import { ProcessInfoSchema, StreamEventDataSchemas } from '../../src/protocol/response-schemas.js';

const exited = {
  id: '0b5f7c1e-4d0a-4c56-9c1e-2f0d8a3b9e11',
  command: 'true',
  background: false,
  running: false,
  exit_code: 0,
  exit_reason: 'exited',
  duration_ms: 3,
  started_at_unix: 1_700_000_000,
  exited_at_unix: 1_700_000_000,
};

describe('lenient', () => {
  it('keeps fields the wire schema does not know, where the strict schema refuses them', () => {
    const answer = { ...exited, from_a_newer_agent: 1 };
    expect(v.safeParse(ProcessInfoSchema, answer).success).to.equal(false);
    expect(v.parse(lenient(ProcessInfoSchema), answer)).to.deep.equal(answer);
  });

  it('accepts an exit reason this version does not know, and an id that is not a UUID', () => {
    const answer = { ...exited, id: 'abc', exit_reason: 'reason_of_the_future' };
    expect(v.safeParse(ProcessInfoSchema, answer).success).to.equal(false);
    expect(v.parse(lenient(ProcessInfoSchema), answer)).to.include({ id: 'abc', exit_reason: 'reason_of_the_future' });
  });

  it('still refuses a missing required field or a wrong type, naming the field', () => {
    const { command: _command, ...withoutCommand } = exited;
    const missing = v.safeParse(lenient(ProcessInfoSchema), withoutCommand);
    expect(missing.success).to.equal(false);
    expect(missing.issues?.map((issue) => v.getDotPath(issue))).to.deep.equal(['command']);
    const wrong = v.safeParse(lenient(StreamEventDataSchemas.exit), { exit_code: '0', exit_reason: 'exited', duration_ms: 1, next_cursor: 0 });
    expect(wrong.success).to.equal(false);
    expect(wrong.issues?.map((issue) => v.getDotPath(issue))).to.deep.equal(['exit_code']);
  });

  it('widens a literal to its base type', () => {
    const schema = lenient(v.strictObject({ strategy: v.literal('head_tail'), attached: v.optional(v.literal(true)) }));
    expect(v.parse(schema, { strategy: 'other', attached: false })).to.deep.equal({ strategy: 'other', attached: false });
  });
});
