import { closeSync, constants, lstatSync, readdirSync, readSync, unlinkSync, type Stats } from 'node:fs';
import path from 'node:path';
import { DevsupError } from '../errors.js';
import { makeFolder } from '../files/own-folder.js';
import { kindOf, openRegularFile, reasonOf, shownPath, writeFully } from '../files/safe-files.js';
import type { ExportedFile } from '../output/export/export-plan.js';

export interface WriteExportOptions {
  /** Replace files of the same names; without it an existing file stops the export before anything is written. */
  force: boolean;
  /** With --force: earlier exports' files that are no longer exported (a removed service), to delete. */
  isStale?(name: string, firstLine: string): boolean;
}

/**
 * Writes an export into `dir` (made when missing), all or nothing as far as checks can tell: every
 * name is looked at first, and a file there stops it unless --force, a symlink or a folder always.
 * Files are created with O_EXCL and without following links; --force removes the old file first.
 */
export function writeExport(dir: string, files: ExportedFile[], { force, isStale }: WriteExportOptions): { written: string[]; removed: string[] } {
  const state = makeFolder(dir, 0o755, true);
  if (state.kind !== 'folder')
    throw new DevsupError(
      `${shownPath(dir)} is ${kindOf(state.stat, dir)}, not a folder: devsup export writes only into a real folder.`,
      2,
      'Give -o the folder itself.',
    );
  const existing = files.flatMap((file) => {
    const stat = lstatOrUndefined(path.join(dir, file.name));
    return stat === undefined ? [] : [{ file: path.join(dir, file.name), stat }];
  });
  const notRegular = existing.find(({ stat }) => !stat.isFile());
  if (notRegular !== undefined)
    throw new DevsupError(
      `${shownPath(notRegular.file)} is ${kindOf(notRegular.stat, notRegular.file)}: devsup export never writes through one.`,
      2,
      'Move it away and export again.',
    );
  if (existing.length > 0 && !force)
    throw new DevsupError(
      `${existing.map(({ file }) => shownPath(file)).join(', ')} ${existing.length === 1 ? 'exists' : 'exist'} already: devsup export does not overwrite without --force.`,
      2,
      'Export again with --force to replace them (and remove units of services no longer in the manifest), or into a new folder with -o.',
    );
  const removed = force && isStale ? removeStale(dir, new Set(files.map((file) => file.name)), isStale) : [];
  const written = files.map((file) => {
    const target = path.join(dir, file.name);
    if (existing.some((entry) => entry.file === target)) unlinkSync(target); // removes a file, never what a link points at
    let fd: number;
    try {
      fd = openRegularFile(target, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, { mode: 0o644 });
    } catch (error) {
      throw new DevsupError(`cannot write ${shownPath(target)}: ${reasonOf(error)}`, 1, 'Check that you may write there.');
    }
    try {
      writeFully(fd, Buffer.from(file.text));
    } finally {
      closeSync(fd);
    }
    return target;
  });
  return { written, removed };
}

function removeStale(dir: string, keep: Set<string>, isStale: (name: string, firstLine: string) => boolean): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (keep.has(name) || !lstatOrUndefined(file)?.isFile()) return [];
    let fd: number;
    try {
      fd = openRegularFile(file, constants.O_RDONLY);
    } catch {
      return [];
    }
    let firstLine: string;
    try {
      const buffer = Buffer.alloc(200);
      const length = readSync(fd, buffer, 0, buffer.length, 0);
      firstLine = buffer.subarray(0, length).toString('utf8').split('\n')[0]!;
    } finally {
      closeSync(fd);
    }
    if (!isStale(name, firstLine)) return [];
    unlinkSync(file);
    return [file];
  });
}

function lstatOrUndefined(file: string): Stats | undefined {
  try {
    return lstatSync(file);
  } catch {
    return undefined;
  }
}
