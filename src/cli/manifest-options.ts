import type { LoadManifestOptions } from '../manifest/load-manifest.js';
import type { CliIO, ParsedArgs } from './cli-types.js';

/**
 * What loadManifest takes from a command line — -f, --port, --base-port, --profile, --scale, each as
 * `up` reads it (one the command does not take is absent) — with the folder and environment devsup
 * runs in, and where its notes go: one reading for every command that loads the manifest.
 */
export function manifestOptions(args: ParsedArgs, io: CliIO, note: (message: string) => void): LoadManifestOptions {
  return {
    cwd: io.cwd,
    file: args.values.file as string | undefined,
    portOverrides: args.values.port as string[] | undefined,
    basePort: args.values['base-port'] as string | undefined,
    profiles: args.values.profile as string[] | undefined,
    scale: args.values.scale as string[] | undefined,
    note,
    env: io.env,
  };
}
