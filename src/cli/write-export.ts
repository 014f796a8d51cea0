import { closeSync, constants, lstatSync, readdirSync, readSync, rmdirSync, unlinkSync, type Stats } from 'node:fs';
import path from 'node:path';
import { DevsupError } from '../errors.js';
import { makeFolder } from '../files/own-folder.js';
import { kindOf, openRegularFile, reasonOf, shownPath, writeFully } from '../files/safe-files.js';
import type { ExportedFile } from '../output/export/export-plan.js';

export interface WriteExportOptions {
  /** Replace files of the same names; without it an existing file stops the export before anything is written. */
  force: boolean;
  /** With --force: earlier exports' files that are no longer exported (a removed service), to delete. `name` may be `FOLDER/FILE`. */
  isStale?(name: string, firstLine: string): boolean;
}

/**
 * Writes an export into `dir` (made when missing), all or nothing as far as checks can tell: every
 * name is looked at first, and a file there stops it unless --force, a symlink or a folder always.
 * A name may have one folder (`web@2.service.d/instance.conf`, a systemd drop-in), which must be a
 * real folder when it is there already. Files are created with O_EXCL and without following links;
 * --force removes the old file first.
 */
export function writeExport(dir: string, files: ExportedFile[], { force, isStale }: WriteExportOptions): { written: string[]; removed: string[] } {
  const state = makeFolder(dir, 0o755, true);
  if (state.kind !== 'folder')
    throw new DevsupError(
      `${shownPath(dir)} is ${kindOf(state.stat, dir)}, not a folder: devsup export writes only into a real folder.`,
      2,
      'Give -o the folder itself.',
    );
  const folders = [...new Set(files.flatMap((file) => (file.name.includes('/') ? [path.join(dir, path.dirname(file.name))] : [])))];
  for (const folder of folders) {
    const stat = lstatOrUndefined(folder);
    if (stat !== undefined && !stat.isDirectory()) throw notAFolder(folder, stat);
  }
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
  for (const folder of folders) {
    const made = makeFolder(folder, 0o755);
    if (made.kind !== 'folder') throw notAFolder(folder, made.stat);
  }
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

/**
 * The stale files among those in `dir` and in its real folders (`NAME/FILE`), removed; a folder
 * left empty by that goes too. Links are never followed, and nothing that is not stale is touched.
 */
function removeStale(dir: string, keep: Set<string>, isStale: (name: string, firstLine: string) => boolean): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const stat = lstatOrUndefined(path.join(dir, entry));
    if (stat?.isFile()) return removeIfStale(dir, entry, keep, isStale);
    if (!stat?.isDirectory()) return [];
    const folder = path.join(dir, entry);
    const removed = readdirSync(folder).flatMap((name) =>
      lstatOrUndefined(path.join(folder, name))?.isFile() ? removeIfStale(dir, `${entry}/${name}`, keep, isStale) : [],
    );
    if (removed.length > 0 && readdirSync(folder).length === 0) rmdirSync(folder);
    return removed;
  });
}

function removeIfStale(dir: string, name: string, keep: Set<string>, isStale: (name: string, firstLine: string) => boolean): string[] {
  const file = path.join(dir, name);
  if (keep.has(name)) return [];
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
}

function notAFolder(folder: string, stat: Stats): DevsupError {
  return new DevsupError(
    `${shownPath(folder)} is ${kindOf(stat, folder)}, where devsup export writes a folder: it never writes through one.`,
    2,
    'Move it away and export again.',
  );
}

function lstatOrUndefined(file: string): Stats | undefined {
  try {
    return lstatSync(file);
  } catch {
    return undefined;
  }
}
