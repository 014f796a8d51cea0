import { readSimpleYaml } from './simple-yaml.js';
import type { ParsedYaml } from './parse-yaml.js';

/**
 * One YAML file into position-keeping nodes, as parseYaml reads it, for the commands that start
 * services: the yaml library (a tenth of devsup's code, ~10 ms to load) is loaded only for a file
 * that simple-yaml.ts leaves to it, so a plain manifest starts its services without it.
 */
export async function readYaml(text: string, file: string): Promise<ParsedYaml> {
  return readSimpleYaml(text, file) ?? (await import('./parse-yaml.js')).parseWithLibrary(text, file);
}
