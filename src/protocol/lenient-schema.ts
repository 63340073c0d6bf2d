import * as v from 'valibot';

/**
 * The type a lenient reader sees: enumerations and literals widen to their base type (a newer
 * agent may send an exit reason this one does not know); objects keep their fields.
 */
export type Lenient<T> = T extends string
  ? string
  : T extends number
    ? number
    : T extends boolean
      ? boolean
      : T extends readonly (infer U)[]
        ? Lenient<U>[]
        : T extends object
          ? { [K in keyof T]: Lenient<T[K]> }
          : T;

type AnySchema = v.GenericSchema & {
  type: string;
  pipe?: readonly unknown[];
  entries?: v.ObjectEntries;
  wrapped?: v.GenericSchema;
  item?: v.GenericSchema;
  default?: unknown;
  literal?: unknown;
};

/**
 * A reader's copy of a wire schema (the SDK parses answers with these): objects are loose (a newer
 * agent's extra fields are kept, not refused), picklists and literals accept any value of their
 * base type, and pipes (uuid, integer, descriptions) are dropped; required fields stay required.
 * Handles the schema kinds the protocol uses: objects, optional, nullable, array, picklist,
 * literal, pipe and the primitives.
 */
export function lenient<TSchema extends v.GenericSchema>(schema: TSchema): v.GenericSchema<unknown, Lenient<v.InferOutput<TSchema>>> {
  return loosen(schema) as unknown as v.GenericSchema<unknown, Lenient<v.InferOutput<TSchema>>>;
}

function loosen(schema: AnySchema): v.GenericSchema {
  if (schema.pipe !== undefined) return loosen(schema.pipe[0] as AnySchema);
  switch (schema.type) {
    case 'object':
    case 'strict_object':
    case 'loose_object':
      return v.looseObject(Object.fromEntries(Object.entries(schema.entries ?? {}).map(([key, entry]) => [key, loosen(entry as AnySchema)])));
    case 'optional':
      return v.optional(loosen(schema.wrapped as AnySchema), schema.default as never);
    case 'nullable':
      return v.nullable(loosen(schema.wrapped as AnySchema));
    case 'array':
      return v.array(loosen(schema.item as AnySchema));
    case 'picklist':
      return v.string();
    case 'literal':
      return typeof schema.literal === 'boolean' ? v.boolean() : typeof schema.literal === 'number' ? v.number() : v.string();
    case 'string':
    case 'number':
    case 'boolean':
      return schema;
    default:
      throw new Error(`lenient(): no reader for a ${schema.type} schema`);
  }
}
