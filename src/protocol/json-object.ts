import * as v from 'valibot';

/**
 * `v.object(entries)` that refuses a JSON array. valibot takes any non-null `typeof 'object'`
 * value for an object, so `["x"]` would pass as an object of defaults; Go's decoder, which
 * the reference uses, refuses it. Every object in a request schema is built with this.
 */
export function jsonObject<const TEntries extends v.ObjectEntries>(entries: TEntries): v.ObjectSchema<TEntries, undefined> {
  return refuseArrays(v.object(entries));
}

/** `v.record(key, value)` that refuses a JSON array (valibot would read `["x"]` as `{"0": "x"}`). */
export function jsonRecord<const TKey extends Parameters<typeof v.record>[0], const TValue extends v.GenericSchema>(
  key: TKey,
  value: TValue,
): v.RecordSchema<TKey, TValue, undefined> {
  return refuseArrays(v.record(key, value));
}

/**
 * A copy of an object-like schema whose run refuses arrays first (issue "Expected Object but
 * received Array", at the field's path). Type, entries and pipe stay, so the OpenAPI conversion
 * sees the same schema.
 */
function refuseArrays<TSchema extends v.GenericSchema>(schema: TSchema): TSchema {
  const run = schema['~run'];
  const guarded: TSchema = {
    ...schema,
    '~run'(dataset, config) {
      if (Array.isArray(dataset.value)) {
        v._addIssue(guarded, 'type', dataset, config, { expected: 'Object', received: 'Array' });
        return dataset as ReturnType<TSchema['~run']>;
      }
      return run.call(guarded, dataset, config);
    },
  };
  return v._standardSchema(guarded);
}
