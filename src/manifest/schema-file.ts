import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * The manifest's JSON Schema, shipped in the package's schema/ folder. Two folders up from this module
 * is the package's root wherever it runs: src/manifest/ (tests), dist/manifest/ (tsc's output) and
 * dist/bin/ (the bundle `devsup` runs, whose chunks all sit there), installed or not.
 */
export const SCHEMA_FILE = fileURLToPath(new URL('../../schema/services.schema.json', import.meta.url));

/**
 * The comment that points editors with the YAML language server (VS Code's YAML extension) at the
 * schema, so they complete and check the manifest. The path is relative to the manifest when the schema
 * sits inside its folder (the project's own node_modules/devsup: the line then holds on every clone),
 * else absolute. The language server reads the path up to the first whitespace, so a path holding
 * whitespace is written as a file: URL instead.
 */
export function schemaModeline(manifestDir: string, schemaFile = SCHEMA_FILE): string {
  const relative = path.relative(manifestDir, schemaFile);
  const inside = relative.split(path.sep)[0] !== '..' && !path.isAbsolute(relative);
  const written = inside ? relative.split(path.sep).join('/') : schemaFile;
  return `# yaml-language-server: $schema=${/\s/.test(written) ? pathToFileURL(schemaFile).href : written}`;
}
