import { expect } from 'chai';
import { resolveId } from '../../src/cli/resolve-id.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { ScriptedApi } from '../helpers/scripted-api.js';

const A = 'aaaa1111-0000-4000-8000-000000000001';
const B = 'aaaa2222-0000-4000-8000-000000000002';

function api(): ScriptedApi {
  const scripted = new ScriptedApi();
  const entry = (id: string) => ({ id, command: 'x', background: false, running: true, started_at_unix: 0 });
  scripted.lists.push({ processes: [entry(A), entry(B)] });
  return scripted;
}

describe('resolveId', () => {
  it('takes a full id as it is, without asking the service', async () => {
    const scripted = api();
    expect(await resolveId(scripted, B.toUpperCase())).to.equal(B.toUpperCase());
    expect(scripted.calls).to.deep.equal([]);
  });

  it('expands a unique prefix from the list', async () => {
    expect(await resolveId(api(), 'aaaa2')).to.equal(B);
  });

  it('passes a prefix that matches nothing on unchanged, for the service to answer', async () => {
    expect(await resolveId(api(), 'bbbb')).to.equal('bbbb');
  });

  it('refuses an ambiguous prefix, naming the candidates', async () => {
    try {
      await resolveId(api(), 'aaaa');
      expect.fail('expected a UsageError');
    } catch (error) {
      expect(error).to.be.instanceOf(UsageError);
      expect((error as Error).message).to.equal(`Process id prefix "aaaa" is ambiguous: ${A}, ${B}.`);
    }
  });
});
