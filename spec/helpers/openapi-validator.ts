import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { expect } from 'chai';

/** OpenAPI's top-level fields: keywords ajv must accept (and not validate) in the document. */
const OPENAPI_FIELDS = ['openapi', 'info', 'servers', 'paths', 'components', 'security', 'tags', 'webhooks', 'jsonSchemaDialect', 'externalDocs'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** JSON Pointer escaping of one segment. */
const escape = (segment: string): string => segment.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * Checks real responses against an OpenAPI 3.1 document with ajv (JSON Schema 2020-12, strict):
 * the status must be documented for the operation, the content type must be the documented one,
 * and a JSON body must match the schema, `$ref`s into `#/components` included. Remembers every
 * (operation, status) it checked, for coverage assertions.
 */
export class OpenApiValidator {
  readonly checked = new Set<string>();
  private readonly ajv = new Ajv2020({ strict: true, allErrors: true });
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly document: { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>> }) {
    this.ajv.addVocabulary(OPENAPI_FIELDS);
    this.ajv.addFormat('uuid', UUID);
    this.ajv.addSchema(document, 'openapi');
  }

  /** Every documented `METHOD path status`. */
  documented(): string[] {
    return Object.entries(this.document.paths).flatMap(([path, item]) =>
      Object.entries(item).flatMap(([method, op]) => Object.keys(op.responses).map((status) => `${method.toUpperCase()} ${path} ${status}`)),
    );
  }

  /** Compiles the schema of every documented JSON response; returns how many. Throws on a bad schema or $ref. */
  compileAll(): number {
    let count = 0;
    for (const [path, item] of Object.entries(this.document.paths)) {
      for (const [method, op] of Object.entries(item)) {
        for (const [status, response] of Object.entries(op.responses)) {
          if (!response.content || !('application/json' in response.content)) continue;
          this.validator(`openapi#/paths/${escape(path)}/${method}/responses/${status}/content/application~1json/schema`);
          count += 1;
        }
      }
    }
    return count;
  }

  /** Asserts that `response` (to `method` on the templated `path`) conforms; returns the body text. */
  async expectConforms(method: string, path: string, response: Response): Promise<string> {
    const key = `${method.toUpperCase()} ${path} ${response.status}`;
    const op = this.document.paths[path]?.[method.toLowerCase()];
    expect(op, `${method} ${path} is documented`).to.not.equal(undefined);
    const documented = op?.responses[String(response.status)];
    expect(documented, `${key} is documented`).to.not.equal(undefined);
    const [mediaType] = Object.keys(documented?.content ?? {});
    const contentType = response.headers.get('content-type') ?? '';
    const text = await response.text();
    if (mediaType === undefined) {
      expect(text, `${key} has no body`).to.equal('');
      this.checked.add(key);
      return text;
    }
    expect(contentType.split(';')[0], `${key} content type`).to.equal(mediaType);
    if (mediaType === 'application/json') {
      const validate = this.validator(`openapi#/paths/${escape(path)}/${method.toLowerCase()}/responses/${response.status}/content/${escape(mediaType)}/schema`);
      const body: unknown = JSON.parse(text);
      expect(validate(body), `${key}: ${this.ajv.errorsText(validate.errors)} in ${text.slice(0, 500)}`).to.equal(true);
    }
    this.checked.add(key);
    return text;
  }

  private validator(ref: string): ValidateFunction {
    let validate = this.validators.get(ref);
    if (!validate) {
      validate = this.ajv.getSchema(ref);
      if (!validate) throw new Error(`no schema at ${ref}`);
      this.validators.set(ref, validate);
    }
    return validate;
  }
}
