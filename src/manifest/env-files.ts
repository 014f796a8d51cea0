import path from 'node:path';
import { parse } from 'dotenv';
import type { ManifestIssue, SourcePosition } from '../errors.js';
import { readInputFile, reasonOf } from '../files/safe-files.js';
import { describeSize, execLimits, sizeIn } from './check-exec-limits.js';
import { decodeUtf8 } from './decode-utf8.js';
import { environment } from './env-record.js';
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
export function readEnvFiles(
  node: YamlNode | undefined,
  dir: string,
  issues: ManifestIssue[],
  seen: Set<string>,
  fallback?: DefaultEnvFile,
): Record<string, string> {
  const files: { file: string; pos: SourcePosition; required: boolean }[] = [];
  if (node === undefined) {
    if (fallback) files.push({ ...fallback, required: false });
  } else {
    const items = node.kind === 'list' ? node.items : [node];
    const paths = readStringList(node, 'env_file', 'path', issues) ?? [];
    paths.forEach((file, i) => files.push({ file, pos: items[i]!.pos, required: true }));
  }
  const env = environment();
  for (const { file, pos, required } of files) {
    const absolute = path.resolve(dir, file);
    seen.add(absolute);
    let bytes: Buffer | undefined;
    try {
      bytes = readInputFile(absolute);
    } catch (error) {
      addIssue(issues, pos, `env file "${file}" cannot be read: ${reasonOf(error)}`);
      continue;
    }
    if (bytes === undefined) {
      if (required) addIssue(issues, pos, `env file "${file}" not found`);
      continue;
    }
    // Named as the manifest that names it is: relative to where devsup ran, when the manifest is.
    const shownAs = path.join(path.dirname(pos.file), path.relative(dir, absolute));
    const decoded = decodeUtf8(bytes, shownAs);
    if ('issue' in decoded) issues.push(decoded.issue);
    else Object.assign(env, readVariables(decoded.text, shownAs, issues));
  }
  return env;
}

/**
 * dotenv's reading of `text`. A value no process can receive is an issue at its definition: one
 * holding a NUL byte (at that byte), one longer than the OS passes in a single variable.
 */
function readVariables(text: string, file: string, issues: ManifestIssue[]): Record<string, string> {
  const variables = parse(text);
  const { perString = Infinity, source, unit } = execLimits();
  const size = sizeIn(unit);
  for (const [name, value] of Object.entries(variables)) {
    const hasNul = value.includes('\0');
    const length = size(name) + size(value) + 2;
    if (!hasNul && length <= perString) continue;
    // The last definition is the one dotenv keeps.
    const definitions = [...text.matchAll(new RegExp(`^[^\\S\\n]*(?:export\\s+)?${name.replace(/[.-]/g, '\\$&')}\\s*[=:]`, 'gm'))];
    const start = definitions.at(-1)?.index ?? 0;
    const offset = hasNul ? text.indexOf('\0', start) : start + (definitions.at(-1)?.[0].search(/\S/) ?? 0);
    const before = text.slice(0, offset);
    issues.push({
      file,
      line: before.split('\n').length,
      column: offset - before.lastIndexOf('\n'),
      message: hasNul
        ? `${name} contains a NUL byte, which no process can receive: remove it`
        : `${name} is ${describeSize(length - 1, unit)}, and the OS passes no single variable over ${describeSize(perString, unit)} (${source}): put the data in a file and pass its path`,
    });
  }
  return variables;
}
