import { readFileSync } from 'node:fs';
import { toJsonSchema, toJsonSchemaDefs, type ConversionConfig, type JsonSchema } from '@valibot/to-json-schema';
import type * as v from 'valibot';

type AnySchema = v.GenericSchema;

/** One response of an operation: a JSON body by default, or another media type. */
export interface ResponseSpec {
  description: string;
  /** Absent for a response without a body (204). */
  schema?: AnySchema;
  mediaType?: string;
}

export interface ParameterSpec {
  name: string;
  in: 'path' | 'query' | 'header';
  description: string;
  required?: boolean;
  schema: AnySchema;
}

/**
 * One route as the OpenAPI document describes it. `path` uses OpenAPI templates
 * (`/api/v0/processes/{id}/output`). `public` operations need no token when auth is on.
 */
export interface OperationSpec {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  public?: boolean;
  parameters?: ParameterSpec[];
  requestBody?: AnySchema;
  responses: Record<number, ResponseSpec>;
}

export interface OpenApiOptions {
  /** Named schemas, emitted under `components.schemas` and referenced wherever they are used. */
  components: Record<string, AnySchema>;
  /** The 401 response added to every non-public operation when auth is on. */
  unauthorized: ResponseSpec;
  /** Whether the service requires a bearer token. */
  auth: boolean;
}

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * Builds the OpenAPI 3.1 document of `operations`. Schemas are converted from valibot by
 * `@valibot/to-json-schema` (JSON Schema 2020-12, the dialect of OpenAPI 3.1); a named schema
 * becomes a `$ref` to `#/components/schemas/<name>`. Pure; the caller builds it once.
 */
export function buildOpenApiDocument(operations: readonly OperationSpec[], options: OpenApiOptions): Record<string, unknown> {
  const config: ConversionConfig = {
    target: 'draft-2020-12',
    definitions: options.components,
    overrideRef: ({ referenceId }) => `#/components/schemas/${referenceId}`,
  };
  const convert = (schema: AnySchema): JsonSchema => {
    // The dialect is the document's; the definitions live in components.
    const { $schema: _dialect, $defs: _defs, ...rest } = toJsonSchema(schema, config);
    return rest;
  };
  const content = (response: ResponseSpec): Record<string, unknown> =>
    response.schema === undefined
      ? { description: response.description }
      : { description: response.description, content: { [response.mediaType ?? 'application/json']: { schema: convert(response.schema) } } };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(op.responses)) responses[status] = content(response);
    if (options.auth && !op.public) responses['401'] = content(options.unauthorized);
    (paths[op.path] ??= {})[op.method] = {
      operationId: op.operationId,
      summary: op.summary,
      ...(op.description === undefined ? {} : { description: op.description }),
      tags: [op.tag],
      ...(op.parameters === undefined
        ? {}
        : {
            parameters: op.parameters.map((p) => ({ name: p.name, in: p.in, description: p.description, required: p.required ?? p.in === 'path', schema: convert(p.schema) })),
          }),
      ...(op.requestBody === undefined ? {} : { requestBody: { required: true, content: { 'application/json': { schema: convert(op.requestBody) } } } }),
      responses,
      ...(options.auth && op.public ? { security: [] } : {}),
    };
  }
  const schemas = toJsonSchemaDefs(options.components, { target: config.target, overrideRef: config.overrideRef });
  return {
    openapi: '3.1.0',
    info: {
      title: 'procvisor',
      version: VERSION,
      description: "Process supervisor. The /api/v0/processes routes are wire-compatible with Coder's agent process API.",
    },
    paths,
    components: {
      schemas,
      ...(options.auth ? { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } } : {}),
    },
    ...(options.auth ? { security: [{ bearerAuth: [] }] } : {}),
  };
}
