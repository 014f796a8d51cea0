import { readdirSync, readFileSync } from 'node:fs';
import { logFileOf, logsFolderOf } from './log-files.js';
import { splitBlock } from './log-ring.js';

/** The services that have a log file in the state folder, sorted. */
export function loggedServices(stateFolder: string): string[] {
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

function linesOf(file: string): string[] {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    return [];
  }
  return buf.length === 0 ? [] : splitBlock(buf);
}
