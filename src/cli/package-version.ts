import { readFileSync } from 'node:fs';

/**
 * The version in the package.json beside the build, the one npm installed: read, not copied into
 * the code. This module sits two folders below it both as tsc writes it (dist/cli) and bundled (dist/bin).
 */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
