import { closeSync, constants } from 'node:fs';
import { openRegularFile, readAll } from '../files/safe-files.js';

/**
 * One record of a log index: bytes 0–3 the byte offset in the log file where a stretch of lines
 * starts (uint32, little-endian), bytes 4–11 when those lines arrived (ms since the epoch, float64,
 * little-endian). The stretch runs to the next record's offset.
 */
export const INDEX_RECORD_BYTES = 12;
/** An index is rotated with its log once it would pass this size (about 87,000 records), whatever the log's size. */
export const LOG_INDEX_MAX_BYTES = 1024 * 1024;

/** `SERVICE.log.idx` beside `SERVICE.log`, `SERVICE.log.1.idx` beside `SERVICE.log.1`. */
export function indexFileOf(logFile: string): string {
  return `${logFile}.idx`;
}

/**
 * When the lines of a log file arrived: from `offsets[i]` on (up to `offsets[i + 1]`), at
 * `times[i]`. Both only grow. Lines before the first offset have no known time (written by a
 * devsup that kept no index, or before the index was made).
 */
export interface LogIndex {
  offsets: number[];
  times: number[];
}

export const NO_INDEX: LogIndex = { offsets: [], times: [] };

export function encodeRecord(buf: Buffer, at: number, offset: number, time: number): void {
  buf.writeUInt32LE(offset, at);
  buf.writeDoubleLE(time, at + 4);
}

/**
 * The records of an index, for a log file of `logSize` bytes. A torn last record (a write cut
 * short) is left out, and so is everything from the first record that does not fit: an offset or
 * time going back, or an offset past the log's end (a log replaced by hand).
 */
export function decodeLogIndex(buf: Buffer, logSize: number): LogIndex {
  const offsets: number[] = [];
  const times: number[] = [];
  for (let at = 0; at + INDEX_RECORD_BYTES <= buf.length; at += INDEX_RECORD_BYTES) {
    const offset = buf.readUInt32LE(at);
    const time = buf.readDoubleLE(at + 4);
    const last = offsets.length - 1;
    if (offset > logSize || !Number.isFinite(time) || (last >= 0 && (offset < offsets[last]! || time < times[last]!))) break;
    offsets.push(offset);
    times.push(time);
  }
  return { offsets, times };
}

/**
 * The index of `logFile` (a log of `logSize` bytes), never through a symlink (a RefusedFileError
 * then); NO_INDEX when there is none.
 */
export function readLogIndex(logFile: string, logSize: number): LogIndex {
  let fd: number;
  try {
    fd = openRegularFile(indexFileOf(logFile), constants.O_RDONLY);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return NO_INDEX;
    throw error;
  }
  try {
    return decodeLogIndex(readAll(fd), logSize);
  } finally {
    closeSync(fd);
  }
}

/** The first record whose lines arrived at `since` or later (binary search); `times.length` when none did. */
export function firstRecordSince(index: LogIndex, since: number): number {
  let low = 0;
  let high = index.times.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (index.times[middle]! < since) low = middle + 1;
    else high = middle;
  }
  return low;
}
