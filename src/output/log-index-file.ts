import { closeSync, constants, fstatSync, ftruncateSync, readSync, renameSync, write, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { openRegularFile, removeQuietly } from '../files/safe-files.js';
import type { WriteTrouble } from '../files/write-trouble.js';
import { INDEX_RECORD_BYTES, decodeLogIndex, encodeRecord, indexFileOf } from './log-index.js';

const writeAsync = promisify(write);
const CONSEQUENCE = 'the arrival times of its lines wait in memory, and devsup tries again at the next output';

/**
 * The index devsup keeps beside one log file (log-index.ts: the format): a record wherever the
 * arrival time changes, appended after the lines it times are in the log, rotated with it. Never
 * opened through a symlink. Records are written at their place, not appended: a write cut short
 * (a full disk) is written again whole at the next output, so no torn record stays in the middle.
 */
export class LogIndexFile {
  readonly file: string;
  private fd: number | undefined;
  private bytes = 0; // whole records in the file
  private offsets: number[] = []; // records not yet written
  private times: number[] = [];
  private hasRecord = false; // whether this file has a record yet: its first one is written whatever the time
  private lastTime = -Infinity; // of the newest record, kept across rotation so times never go back

  constructor(
    private readonly logFile: string,
    private readonly trouble: WriteTrouble,
  ) {
    this.file = indexFileOf(logFile);
  }

  /** The index's size once what waits is written, for the rotation (see LOG_INDEX_MAX_BYTES). */
  get size(): number {
    return this.bytes + this.offsets.length * INDEX_RECORD_BYTES;
  }

  /**
   * Opens (or makes) the index of the log file just opened, `logSize` bytes long. An index that
   * does not fit that log (one replaced by hand) starts afresh; lines the log has before the
   * first record (from a devsup that kept no index) have no known time. Records still waiting
   * (their write failed) timed the file open before, and go.
   */
  open(logSize: number): void {
    this.offsets = [];
    this.times = [];
    this.openFile(logSize);
  }

  private openFile(logSize: number): void {
    this.close();
    try {
      const fd = openRegularFile(this.file, constants.O_RDWR | constants.O_CREAT, { mine: true });
      this.fd = fd;
      const whole = Math.floor(fstatSync(fd).size / INDEX_RECORD_BYTES) * INDEX_RECORD_BYTES;
      const last = Buffer.alloc(INDEX_RECORD_BYTES);
      if (whole > 0) readSync(fd, last, 0, INDEX_RECORD_BYTES, whole - INDEX_RECORD_BYTES);
      const fits = whole > 0 && decodeLogIndex(last, logSize).offsets.length === 1;
      if (whole > 0 && !fits) ftruncateSync(fd, 0);
      this.bytes = fits ? whole : 0;
      this.hasRecord = fits;
      if (fits) this.lastTime = Math.max(this.lastTime, last.readDoubleLE(4));
    } catch (error) {
      this.trouble.failed(this.file, error, CONSEQUENCE);
    }
  }

  /** Lines from `offset` of the log on arrived at `time`: a record, unless the one before says the same. */
  add(offset: number, time: number): void {
    if (this.hasRecord && time <= this.lastTime) return;
    this.lastTime = Math.max(time, this.lastTime);
    this.hasRecord = true;
    this.offsets.push(offset);
    this.times.push(this.lastTime);
  }

  /**
   * Writes the records that wait (the log is `logSize` bytes now: an index that could not be
   * opened is tried again); a failure is said once, and they wait for the next call.
   */
  writeSync(logSize: number): void {
    if (this.offsets.length === 0 || !this.isOpen(logSize)) return;
    const data = this.encodeWaiting();
    let written = 0;
    try {
      while (written < data.length) written += writeSync(this.fd!, data, written, data.length - written, this.bytes + written);
      this.trouble.worked(this.file);
    } catch (error) {
      this.trouble.failed(this.file, error, CONSEQUENCE);
    }
    this.written(written);
  }

  async write(logSize: number): Promise<void> {
    if (this.offsets.length === 0 || !this.isOpen(logSize)) return;
    const fd = this.fd!;
    const data = this.encodeWaiting();
    let written = 0;
    try {
      while (written < data.length) written += (await writeAsync(fd, data, written, data.length - written, this.bytes + written)).bytesWritten;
      this.trouble.worked(this.file);
    } catch (error) {
      this.trouble.failed(this.file, error, CONSEQUENCE);
    }
    this.written(written);
  }

  /**
   * The log file became `SERVICE.log.1`: this index becomes its `.1.idx` (an older `.1.idx` would
   * describe another file, so it goes), and the next log starts a new one.
   */
  rotate(): void {
    this.close();
    const older = indexFileOf(`${this.logFile}.1`);
    try {
      renameSync(this.file, older);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.trouble.failed(this.file, error, CONSEQUENCE);
      // Neither may stay: the older one would time `.1`, this one the new log, lines it never saw.
      removeQuietly(older);
      removeQuietly(this.file);
    }
    this.forget();
  }

  /** The log file went away (removed by hand): this index described it, and goes too. */
  remove(): void {
    this.close();
    removeQuietly(this.file);
    this.forget();
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private isOpen(logSize: number): boolean {
    if (this.fd === undefined) this.openFile(logSize);
    return this.fd !== undefined;
  }

  private forget(): void {
    this.bytes = 0;
    this.offsets = [];
    this.times = [];
    this.hasRecord = false;
  }

  private encodeWaiting(): Buffer {
    const data = Buffer.allocUnsafe(this.offsets.length * INDEX_RECORD_BYTES);
    this.offsets.forEach((offset, i) => encodeRecord(data, i * INDEX_RECORD_BYTES, offset, this.times[i]!));
    return data;
  }

  /** Whole records written leave the queue; a torn one is written again at its place. */
  private written(bytes: number): void {
    const records = Math.floor(bytes / INDEX_RECORD_BYTES);
    this.bytes += records * INDEX_RECORD_BYTES;
    this.offsets.splice(0, records);
    this.times.splice(0, records);
  }
}
