import { readSimpleYaml } from './simple-yaml.js';
import type { ParsedYaml } from './parse-yaml.js';

/**
 * One YAML file into position-keeping nodes, as parseYaml reads it, for every command that loads a
 * manifest: the yaml library (a fifth of what `up` loaded before its first service started, ~10 ms)
 * is loaded only for a file that simple-yaml.ts leaves to it.
 */
export async function readYaml(text: string, file: string): Promise<ParsedYaml> {
  return readSimpleYaml(text, file) ?? (await import('./parse-yaml.js')).parseWithLibrary(text, file);
}
