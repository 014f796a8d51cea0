import path from 'node:path';
import { UsageError } from '../../errors.js';
import { readInputFile } from '../../files/safe-files.js';
import { findManifest, LOCAL_MANIFEST, type FoundManifest } from '../../manifest/find-manifest.js';
import { profileNamesIn, serviceNamesIn } from '../../manifest/service-names.js';
import type { CliIO, ParsedArgs } from '../cli-types.js';

/**
 * `devsup __complete services|profiles [-f FILE]`, what the completion scripts (completion-scripts.ts)
 * call: the service names (or the profile names) of the manifest devsup would use here, and of
 * services.local.yaml beside it, one a line. Quick, since a shell waits for it on every Tab: the files
 * are scanned, not parsed or validated. Without a manifest it prints nothing and exits 0: a completion
 * must not write over the command line being typed.
 */
export async function run(args: ParsedArgs, io: CliIO): Promise<number> {
  const [topic, ...extra] = args.positionals;
  if ((topic !== 'services' && topic !== 'profiles') || extra.length > 0)
    throw new UsageError('devsup __complete takes one word: services or profiles.', 'Usage: devsup __complete services|profiles [-f FILE]');
  let found: FoundManifest;
  try {
    found = findManifest(io.cwd, args.values.file as string | undefined);
  } catch {
    return 0;
  }
  // A Procfile has no profiles.
  if (topic === 'profiles' && found.kind !== 'yaml') return 0;
  const local = found.kind === 'yaml' ? [path.join(path.dirname(found.file), LOCAL_MANIFEST)] : [];
  const names = [found.file, ...local].flatMap((file) =>
    topic === 'profiles' ? profileNamesIn(readIfAny(file)) : serviceNamesIn(readIfAny(file), found.kind),
  );
  if (names.length > 0) io.stdout.write(`${[...new Set(names)].join('\n')}\n`);
  return 0;
}

/** The file's text; nothing when it is missing, unreadable, or no regular file (a FIFO would hang the Tab for ever). */
function readIfAny(file: string): string {
  try {
    return readInputFile(file)?.toString('utf8') ?? '';
  } catch {
    return '';
  }
}
