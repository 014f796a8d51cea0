import path from 'node:path';
import { findManifest } from '../manifest/find-manifest.js';
import type { CliIO, ParsedArgs } from './cli-types.js';

/**
 * The folder of the manifest a command acts on (its instance, its `.devsup/`). Only the folder
 * matters: a manifest being edited, even an invalid one, must not hide a running instance.
 */
export function instanceFolder(args: ParsedArgs, io: CliIO): string {
  return path.dirname(findManifest(io.cwd, args.values.file as string | undefined).file);
}
