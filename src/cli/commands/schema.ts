import { readFileSync } from 'node:fs';
import { DevsupError, messageOf, UsageError } from '../../errors.js';
import { SCHEMA_FILE } from '../../manifest/schema-file.js';
import type { CliIO, ParsedArgs } from '../cli-types.js';

/** `devsup schema`: the manifest's JSON Schema as it ships, for editors and for checks in CI. */
export async function run(args: ParsedArgs, io: CliIO): Promise<number> {
  if (args.positionals.length > 0)
    throw new UsageError(`devsup schema takes no arguments, got "${args.positionals.join(' ')}".`, 'Usage: devsup schema');
  let text: string;
  try {
    text = readFileSync(SCHEMA_FILE, 'utf8');
  } catch (error) {
    throw new DevsupError(`cannot read devsup's schema ${SCHEMA_FILE}: ${messageOf(error)}`, 1, 'It ships with devsup: reinstall devsup.');
  }
  io.stdout.write(text);
  return 0;
}
