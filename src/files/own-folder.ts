import { closeSync, constants, fchmodSync, fstatSync, lstatSync, mkdirSync, openSync, type Stats } from 'node:fs';
import { isMine, kindOf, shownPath } from './safe-files.js';

/** What is at a folder's path, looked at without following a link. */
export type FolderState = { kind: 'folder'; stat: Stats; created: boolean } | { kind: 'symlink' | 'other'; stat: Stats };

/** Why a folder cannot be used, and what the user can do about it. */
export interface FolderProblem {
  kind: 'symlink' | 'other' | 'foreign' | 'open';
  problem: string; // ".devsup is a symlink to /tmp"
  fix: string; // "Remove the link (rm .devsup) and run again."
}

/**
 * Makes `folder` when it is missing and says what is there. Only a folder this call made is
 * chmodded (to `mode`, which the umask cut), and through a descriptor opened without following
 * links: devsup never changes the mode of something it did not create.
 */
export function makeFolder(folder: string, mode: number, parents = false): FolderState {
  let created = false;
  try {
    created = parents ? mkdirSync(folder, { recursive: true, mode }) !== undefined : (mkdirSync(folder, { mode }), true);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stat = lstatSync(folder);
  if (stat.isSymbolicLink()) return { kind: 'symlink', stat };
  if (!stat.isDirectory()) return { kind: 'other', stat };
  if (!created || process.platform === 'win32') return { kind: 'folder', stat, created };
  const fd = openSync(folder, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    const opened = fstatSync(fd);
    if (opened.isDirectory() && isMine(opened)) fchmodSync(fd, mode);
    return { kind: 'folder', stat: fstatSync(fd), created };
  } finally {
    closeSync(fd);
  }
}

/**
 * A folder only this user may enter (`.devsup`, `.devsup/logs`, a per-user lease folder): made
 * 0700 when missing; an existing one must be a real folder of ours, closed to everyone else.
 */
export function preparePrivateFolder(folder: string): FolderProblem | undefined {
  const state = makeFolder(folder, 0o700);
  const shown = shownPath(folder);
  if (state.kind === 'symlink')
    return { kind: 'symlink', problem: `${shown} is ${kindOf(state.stat, folder)}`, fix: `Remove the link (rm ${shown}) and run again.` };
  if (state.kind === 'other')
    return { kind: 'other', problem: `${shown} is not a folder`, fix: `Move it away (mv ${shown} ${shown}.old) and run again.` };
  if (process.platform === 'win32') return undefined;
  if (!isMine(state.stat))
    return {
      kind: 'foreign',
      problem: `${shown} belongs to uid ${state.stat.uid}, not to you (uid ${process.getuid!()})`,
      fix: `Remove it, or move it away, and run again.`,
    };
  if ((state.stat.mode & 0o077) !== 0)
    return {
      kind: 'open',
      problem: `${shown} is open to other users (mode ${modeOf(state.stat)})`,
      fix: `Close it (chmod 700 ${shown}) and run again.`,
    };
  return undefined;
}

/** "0755", "1777" */
export function modeOf(stat: Stats): string {
  return (stat.mode & 0o7777).toString(8).padStart(4, '0');
}
