import { expect } from 'chai';
import * as v from 'valibot';
import { describeIssues } from '../src/describe-issues.js';

describe('describeIssues', () => {
  const schema = v.object({ processes: v.array(v.object({ id: v.string() })), limit: v.number() });

  it('names every failing field by its dotted path, joined with "; "', () => {
    const result = v.safeParse(schema, { processes: [{ id: 1 }], limit: 'x' });
    expect(describeIssues(result.issues ?? [])).to.equal(
      'processes.0.id: Invalid type: Expected string but received 1; limit: Invalid type: Expected number but received "x"',
    );
  });

  it('names a failure of the whole value by the given root', () => {
    const result = v.safeParse(schema, 'nope');
    expect(describeIssues(result.issues ?? [], 'body')).to.match(/^body: Invalid type: Expected Object/);
    expect(describeIssues(result.issues ?? [])).to.match(/^\(root\): /);
  });
});
