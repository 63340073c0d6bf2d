import { expect } from 'chai';
import * as v from 'valibot';
import { AddPathsBodySchema, InputBodySchema, PtySchema, ResizeBodySchema, SignalBodySchema, StartBodySchema } from '../../src/protocol/request-schemas.js';

const REQUEST_SCHEMAS: Record<string, v.GenericSchema> = {
  StartBodySchema,
  PtySchema,
  SignalBodySchema,
  InputBodySchema,
  ResizeBodySchema,
  AddPathsBodySchema,
};

type Walkable = v.GenericSchema & { type: string; wrapped?: Walkable; entries?: Record<string, Walkable> };

/** The schema inside optional/nullable/nullish wrappers. */
function unwrap(schema: Walkable): Walkable {
  return schema.wrapped ? unwrap(schema.wrapped) : schema;
}

/** Dot paths of every object-like field (object or record), however deep, with the body as ''. */
function objectPaths(schema: Walkable, path = ''): string[] {
  const inner = unwrap(schema);
  if (inner.type !== 'object' && inner.type !== 'record') return [];
  const nested = Object.entries(inner.entries ?? {}).flatMap(([key, entry]) => objectPaths(entry, path === '' ? key : `${path}.${key}`));
  return [path, ...nested];
}

/** `{a: {b: value}}` for the path `a.b`. */
function nest(path: string, value: unknown): unknown {
  return path.split('.').reduceRight<unknown>((inner, key) => ({ [key]: inner }), value);
}

describe('request schemas', () => {
  for (const [name, schema] of Object.entries(REQUEST_SCHEMAS)) {
    it(`${name} refuses a JSON array wherever it expects an object, naming the field`, () => {
      const paths = objectPaths(schema);
      expect(paths).to.include('');
      for (const path of paths) {
        const result = v.safeParse(schema, path === '' ? ['x'] : nest(path, ['x']));
        expect(result.success, `${name} at "${path}"`).to.equal(false);
        const issue = result.issues?.find((candidate) => (v.getDotPath(candidate) ?? '') === path);
        expect(issue?.message, `${name} at "${path}"`).to.equal('Invalid type: Expected Object but received Array');
      }
    });
  }

  it('finds the object fields of the start body (the walk above is not empty)', () => {
    expect(objectPaths(StartBodySchema)).to.deep.equal(['', 'env', 'pty']);
  });

  it('still takes objects, with their defaults', () => {
    expect(v.parse(StartBodySchema, { command: 'x', env: { A: 'b' }, pty: {} })).to.deep.include({ env: { A: 'b' }, pty: { cols: 80, rows: 24, term: 'xterm-256color' } });
  });
});
