import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'dotenv';
import type { ManifestIssue, SourcePosition } from '../errors.js';
import { addIssue, readStringList } from './validators.js';
import type { YamlNode } from './yaml-node.js';

/** The top-level `.env` read when `env_file` is not given; unlike a named file, it may be missing. */
export interface DefaultEnvFile {
  file: string;
  pos: SourcePosition; // where a read error (not a missing file) is reported
}

/**
 * The variables of an `env_file` value (one path or a list; later files win), paths relative to `dir`.
 * Every file looked for, found or not, is added to `seen` (absolute), for live reload to watch.
 */
export function readEnvFiles(node: YamlNode | undefined, dir: string, issues: ManifestIssue[], seen: Set<string>, fallback?: DefaultEnvFile): Record<string, string> {
  const files: { file: string; pos: SourcePosition; required: boolean }[] = [];
  if (node === undefined) {
    if (fallback) files.push({ ...fallback, required: false });
  } else {
    const items = node.kind === 'list' ? node.items : [node];
    const paths = readStringList(node, 'env_file', 'path', issues) ?? [];
    paths.forEach((file, i) => files.push({ file, pos: items[i].pos, required: true }));
  }
  const env: Record<string, string> = {};
  for (const { file, pos, required } of files) {
    const absolute = path.resolve(dir, file);
    seen.add(absolute);
    try {
      Object.assign(env, parse(readFileSync(absolute)));
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      if (!missing) addIssue(issues, pos, `env file "${file}" cannot be read: ${(error as Error).message}`);
      else if (required) addIssue(issues, pos, `env file "${file}" not found`);
    }
  }
  return env;
}
