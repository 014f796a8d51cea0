import { cpSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * devsup as npm installs it into a project: what package.json's "files" ship (the built dist/ and
 * schema/) and package.json, under `dir`/node_modules/devsup. Returns the path of its `devsup`.
 */
export function installCopy(dir: string): string {
  const installed = path.join(dir, 'node_modules/devsup');
  for (const entry of ['package.json', 'dist', 'schema']) cpSync(path.join(ROOT, entry), path.join(installed, entry), { recursive: true });
  return path.join(installed, 'dist/bin/devsup.cjs');
}
