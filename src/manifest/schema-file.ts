import { fileURLToPath } from 'node:url';

/**
 * The manifest's JSON Schema, shipped in the package's schema/ folder. Two folders up from this module
 * is the package's root wherever it runs: src/manifest/ (tests), dist/manifest/ (tsc's output) and
 * dist/bin/ (the bundle `devsup` runs, whose chunks all sit there), installed or not.
 */
export const SCHEMA_FILE = fileURLToPath(new URL('../../schema/services.schema.json', import.meta.url));

