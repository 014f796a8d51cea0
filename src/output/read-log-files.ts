import { lstatSync, readdirSync } from 'node:fs';
import { DevsupError } from '../errors.js';
import { RefusedFileError, kindOf, readRegularFile, shownPath } from '../files/safe-files.js';
import { logFileOf, logsFolderOf } from './log-files.js';
import { splitBlock } from './log-ring.js';

/**
 * The services that have a log file in the state folder, sorted. Links are not followed: a
 * `.devsup` or `logs` that is a symlink is refused (it could lead `devsup logs` to any file).
 */
export function loggedServices(stateFolder: string): string[] {
  for (const folder of [stateFolder, logsFolderOf(stateFolder)]) {
    const stat = lstatSync(folder, { throwIfNoEntry: false });
    if (!stat) return [];
    if (stat.isSymbolicLink()) throw refusal(new RefusedFileError(folder, `it is ${kindOf(stat, folder)}`));
  }
  try {
    return readdirSync(logsFolderOf(stateFolder))
      .filter((name) => name.endsWith('.log'))
      .map((name) => name.slice(0, -'.log'.length))
      .sort();
  } catch {
    return [];
  }
}

/** The last `n` lines of a service's log file, reaching into the rotated `.1` file when the current one has fewer. */
export function readLogTail(stateFolder: string, service: string, n: number): string[] {
  const file = logFileOf(stateFolder, service);
  const current = linesOf(file);
  if (current.length >= n) return current.slice(current.length - n);
  const older = linesOf(`${file}.1`);
  return [...older.slice(Math.max(0, older.length - (n - current.length))), ...current];
}

/** A file's lines, never through a symlink or from a FIFO: neither is a log devsup wrote. */
function linesOf(file: string): string[] {
  let buf: Buffer | undefined;
  try {
    buf = readRegularFile(file);
  } catch (error) {
    if (error instanceof RefusedFileError) throw refusal(error);
    return [];
  }
  return buf === undefined || buf.length === 0 ? [] : splitBlock(buf);
}

function refusal(error: RefusedFileError): DevsupError {
  return new DevsupError(`not reading ${shownPath(error.file)}: ${error.problem}; remove it.`, 1);
}
