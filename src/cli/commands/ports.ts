import path from 'node:path';
import { NoInstanceError } from '../../errors.js';
import { findManifest } from '../../manifest/find-manifest.js';
import { readLiveState } from '../../control/state-folder.js';
import { renderPortsJson, renderPortTable } from '../../output/port-table.js';
import { shouldColor } from '../../output/color.js';
import type { CliIO, ParsedArgs } from '../command-list.js';

/** `devsup ports` / `devsup ps`: the running instance's table, read from its state folder. */
export async function run(args: ParsedArgs, io: CliIO): Promise<number> {
  // Only the manifest's folder matters here: a manifest being edited must not hide a running instance.
  const { file } = findManifest(io.cwd, args.values.file as string | undefined);
  const folder = path.dirname(file);
  const state = readLiveState(folder);
  if (!state) throw new NoInstanceError(folder);
  io.stdout.write(args.values.json ? `${renderPortsJson(state.report)}\n` : `${renderPortTable(state.report, { color: shouldColor(io.stdout, io.env) })}\n`);
  return 0;
}
