import { closeSync, constants, fstatSync, lstatSync, readdirSync } from 'node:fs';
import { DevsupError } from '../errors.js';
import { RefusedFileError, kindOf, openRegularFile, readAll, shownPath } from '../files/safe-files.js';
import { logFileOf, logsFolderOf } from './log-files.js';
import { firstRecordSince, readLogIndex, type LogIndex } from './log-index.js';
import type { LogLine } from './log-ring.js';

const NEWLINE = 0x0a;

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

export interface LogTail {
  /** Oldest first; `time` where the log's index says when the line arrived. */
  lines: LogLine[];
  /**
   * Lines `since` left out only because their arrival time is unknown (written before devsup kept
   * an index), while they may have arrived at `since` or later. Lines known to be older are not counted.
   */
  untimed: number;
}

/**
 * The last `n` lines of a service's log files that arrived at `since` or later (all of them
 * without `since`), reaching into the rotated `.1` file when the current one has fewer. The index
 * beside each file times its lines, and with `since` tells where to start reading.
 */
export function readLogTail(stateFolder: string, service: string, n: number, since = -Infinity): LogTail {
  const file = logFileOf(stateFolder, service);
  const current = readLogFile(file, service, since);
  if (current.lines.length >= n) return { lines: current.lines.slice(current.lines.length - n), untimed: current.untimed };
  const older = readLogFile(`${file}.1`, service, since);
  return {
    lines: [...older.lines.slice(Math.max(0, older.lines.length - (n - current.lines.length))), ...current.lines],
    untimed: older.untimed + current.untimed,
  };
}

/** One log file's lines from `since` on, never through a symlink or from a FIFO: neither is a log devsup wrote. */
function readLogFile(file: string, service: string, since: number): LogTail {
  let fd: number;
  try {
    fd = openRegularFile(file, constants.O_RDONLY);
  } catch (error) {
    if (error instanceof RefusedFileError) throw refusal(error);
    return { lines: [], untimed: 0 };
  }
  try {
    const { size, mtimeMs } = fstatSync(fd);
    const index = readIndexOf(file, size);
    const first = firstRecordSince(index, since);
    const start = since === -Infinity ? 0 : first < index.offsets.length ? index.offsets[first]! : size;
    // Lines before the first record have no time; they are no newer than it, or than the file's last write.
    const untimedEnd = index.offsets[0] ?? size;
    const maybeRecent = start > 0 && first === 0 && untimedEnd > 0 && (index.times[0] ?? mtimeMs) >= since;
    const from = maybeRecent ? 0 : start;
    const buf = readAll(fd, from);
    return {
      lines: timedLines(buf.subarray(start - from), start, index, service),
      untimed: maybeRecent ? countLines(buf.subarray(0, untimedEnd)) : 0,
    };
  } finally {
    closeSync(fd);
  }
}

function readIndexOf(file: string, logSize: number): LogIndex {
  try {
    return readLogIndex(file, logSize);
  } catch (error) {
    if (error instanceof RefusedFileError) throw refusal(error);
    throw error;
  }
}

/**
 * The lines of `buf` (read from byte `start` of the log), each with the time of the last record
 * at or before its first byte; a block's end ends a line even without a final newline.
 */
function timedLines(buf: Buffer, start: number, index: LogIndex, service: string): LogLine[] {
  const lines: LogLine[] = [];
  let record = -1; // the last record at or before the line's first byte: none yet
  for (let from = 0; from < buf.length;) {
    const newline = buf.indexOf(NEWLINE, from);
    const end = newline === -1 ? buf.length : newline;
    const offset = start + from;
    while (record + 1 < index.offsets.length && index.offsets[record + 1]! <= offset) record++;
    const text = buf.toString('utf8', from, end > from && buf[end - 1] === 0x0d ? end - 1 : end);
    lines.push(record >= 0 ? { service, text, time: index.times[record]! } : { service, text });
    from = end + 1;
  }
  return lines;
}

function countLines(buf: Buffer): number {
  let count = 0;
  for (let at = buf.indexOf(NEWLINE); at !== -1; at = buf.indexOf(NEWLINE, at + 1)) count++;
  return buf.length > 0 && buf[buf.length - 1] !== NEWLINE ? count + 1 : count;
}

function refusal(error: RefusedFileError): DevsupError {
  return new DevsupError(`not reading ${shownPath(error.file)}: ${error.problem}; remove it.`, 1);
}
