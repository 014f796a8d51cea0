import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { SCHEMA_FILE } from '../../src/manifest/schema-file.js';

/** The parts of a JSON Schema the tests look into. */
export interface Schema {
  properties?: Record<string, Schema>;
  $defs?: Record<string, Schema>;
  anyOf?: Schema[];
  items?: Schema;
  additionalProperties?: Schema | boolean;
  enum?: unknown[];
  pattern?: string;
  default?: unknown;
  description?: string;
  $ref?: string;
  type?: string | string[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
}

/** schema/services.schema.json, the manifest's JSON Schema. */
export const manifestSchema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Schema;

// strictTypes, strictTuples and strictRequired are ajv's lints for schema style; they would reject
// the conditional refinements (a `then` adding to a property typed elsewhere) and the open-ended
// `command` list. What stays strict: an unknown keyword is an error, and numbers must be finite.
const ajv = new Ajv2020({ strict: true, strictTypes: false, strictTuples: false, strictRequired: false, allowUnionTypes: true, allErrors: true });
ajv.addKeyword('patternErrorMessage'); // the YAML language server's message for a failed pattern
// "regex" means what devsup does with ready.log: new RegExp(text), without flags.
ajv.addFormat('regex', (text: string) => {
  try {
    new RegExp(text);
    return true;
  } catch {
    return false;
  }
});
const validate = ajv.compile(manifestSchema);

/** What the schema finds wrong with a manifest read into plain data; none when it is valid. */
export function schemaErrorsOf(document: unknown): string[] {
  if (validate(document)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? ''}`);
}
