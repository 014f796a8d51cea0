import { statSync } from 'node:fs';
import path from 'node:path';
import { DevsupError, UsageError } from '../errors.js';

export interface FoundManifest {
  file: string; // absolute
  kind: 'yaml' | 'procfile';
}

export const MANIFEST_NAMES = ['services.yaml', 'services.yml'];
/** Procfile.dev first: it is what Rails' bin/dev runs in development, where Procfile is for production. */
export const PROCFILE_NAMES = ['Procfile.dev', 'Procfile'];
/** A developer's own overrides beside the manifest, merged over it and never committed. */
export const LOCAL_MANIFEST = 'services.local.yaml';

/**
 * `-f FILE` (relative to `cwd`), else services.yaml|yml in `cwd` or the nearest parent that has one;
 * only when there is none anywhere up the tree, a Procfile.dev or Procfile found the same way.
 */
export function findManifest(cwd: string, file?: string): FoundManifest {
  if (file !== undefined) {
    const absolute = path.resolve(cwd, file);
    checkGivenFile(absolute, file);
    return { file: absolute, kind: kindOf(absolute) };
  }
  const found = findUpward(cwd, MANIFEST_NAMES) ?? findUpward(cwd, PROCFILE_NAMES);
  if (found === undefined) {
    throw new DevsupError(
      `no services.yaml found in ${cwd} or any parent folder`,
      2,
      'Run `devsup init` to create one, or pass a manifest with -f FILE.',
    );
  }
  return { file: found, kind: kindOf(found) };
}

/** `-f FILE` must be a regular file: a folder or a device would be read as nothing, or never end. */
function checkGivenFile(absolute: string, file: string): void {
  const stats = statSync(absolute, { throwIfNoEntry: false });
  const hint = 'Check the path given to -f.';
  if (stats === undefined) throw new DevsupError(`manifest ${file} not found`, 2, hint);
  if (stats.isDirectory()) {
    const inside = [...MANIFEST_NAMES, ...PROCFILE_NAMES].find((name) => isFile(path.join(absolute, name)));
    const example = inside === undefined ? `, e.g. -f ${path.join(file, MANIFEST_NAMES[0]!)}` : `: -f ${path.join(file, inside)}`;
    throw new UsageError(`${file} is a folder: pass the manifest inside it${example}`, hint);
  }
  if (!stats.isFile()) throw new UsageError(`${file} is not a regular file: pass a manifest file, e.g. -f ${MANIFEST_NAMES[0]}`, hint);
}

/** The first of `names` in `start` or its nearest parent; a FIFO or device counts, so reading it says what it is. */
function findUpward(start: string, names: string[]): string | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const match = names.map((name) => path.join(dir, name)).find(isNotFolder);
    if (match !== undefined) return match;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function kindOf(file: string): FoundManifest['kind'] {
  return /^Procfile\b/.test(path.basename(file)) ? 'procfile' : 'yaml';
}

function isFile(file: string): boolean {
  return statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
}

function isNotFolder(file: string): boolean {
  const stats = statSync(file, { throwIfNoEntry: false });
  return stats !== undefined && !stats.isDirectory();
}
