import { closeSync, constants, fstatSync, renameSync, writev, writevSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { openRegularFile, reasonOf } from '../files/safe-files.js';
import { WriteTrouble } from '../files/write-trouble.js';
import { LogIndexFile } from './log-index-file.js';
import { INDEX_RECORD_BYTES, LOG_INDEX_MAX_BYTES } from './log-index.js';

/** A log file is rotated to `SERVICE.log.1` (replacing the previous one) once it would pass this size. */
export const LOG_FILE_MAX_BYTES = 5 * 1024 * 1024;
/**
 * Output is gathered this long and written in one call per service. A burst of more than a file's
 * worth in that time is cut to its last file's worth: the rest would be rotated away at once, and
 * writing it would cost a flood of output a third of its speed (measured).
 */
const FLUSH_MS = 250;
const NEWLINE = 0x0a;
const NEWLINE_BYTES = Buffer.from('\n');
const EMPTY = Buffer.alloc(0);
const writevAsync = promisify(writev);

export function logsFolderOf(stateFolder: string): string {
  return path.join(stateFolder, 'logs');
}

export function logFileOf(stateFolder: string, service: string): string {
  return path.join(logsFolderOf(stateFolder), `${service}.log`);
}

interface ServiceFile {
  file: string;
  fd: number | undefined; // undefined until opened, and while it cannot be (tried again at each flush)
  bytes: number; // size of the current file, writes under way included
  pending: Buffer[];
  pendingTimes: number[]; // when each pending block arrived
  head: number; // pending blocks before it were cut
  pendingBytes: number;
  skipped: number;
  lost: number; // output that could not be written, noted in the file once writing works again
  lostReason: string;
  midLine: boolean; // a failed write stopped inside a line
  writing: Promise<void> | undefined;
  reopen: boolean; // the folder was removed and made again: open the file anew at the next write
  index: LogIndexFile;
}

/** What one write carries: its blocks, and how many leading bytes are devsup's notes. */
interface Batch {
  buffers: Buffer[];
  size: number;
  notes: number;
  skipped: number;
  /** Where in the log file it starts, and where its lines' arrival time changes: `times[i]` from `starts[i]` (from `start`) on. */
  start: number;
  starts: number[];
  times: number[];
}

const CONSEQUENCE = 'its output stays in memory for `devsup logs`, and devsup tries again at the next output';

/**
 * `.devsup/logs/SERVICE.log`: each service's raw output, appended across runs and rotated at
 * LOG_FILE_MAX_BYTES (one older file kept), so `devsup logs` works after the instance is gone.
 * Writes are asynchronous, one under way per service: a slow disk never holds a service back.
 * A file is never opened through a symlink. While one cannot be written (a full disk), its
 * output is dropped from it, said once, and noted in it when writing works again. Beside each
 * file, `SERVICE.log.idx` says when its lines arrived (log-index-file.ts), so the log itself
 * stays the output as printed.
 */
export class LogFiles {
  private readonly files = new Map<string, ServiceFile>();
  private readonly trouble: WriteTrouble;
  private timer: NodeJS.Timeout | undefined;

  /** The logs folder must exist: ensureStateFolder makes and checks it. */
  constructor(
    private readonly stateFolder: string,
    warn: (message: string) => void,
    private readonly maxBytes = LOG_FILE_MAX_BYTES,
    private readonly maxIndexBytes = LOG_INDEX_MAX_BYTES,
  ) {
    this.trouble = new WriteTrouble(warn);
  }

  /** Queues a block of whole lines (as the output bus passes them on), which arrived at `time`. */
  write(service: string, lines: Buffer, time: number): void {
    const entry = this.files.get(service) ?? this.add(service);
    this.queue(entry, lines, time);
    if (lines[lines.length - 1] !== NEWLINE) this.queue(entry, NEWLINE_BYTES, time);
    while (entry.pending.length - entry.head > 1 && entry.pendingBytes - entry.pending[entry.head]!.length >= this.maxBytes) {
      entry.skipped += entry.pending[entry.head]!.length;
      entry.pendingBytes -= entry.pending[entry.head]!.length;
      entry.pending[entry.head++] = EMPTY; // let the chunk go now, not at the next flush
    }
    this.timer ??= setTimeout(() => this.flushAll(), FLUSH_MS).unref();
  }

  /** Writes what is queued and closes every file. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    await Promise.all([...this.files.values()].flatMap((entry) => entry.writing ?? []));
    for (const entry of this.files.values()) this.writeNow(entry);
    for (const entry of this.files.values()) this.closeFile(entry);
    this.files.clear();
  }

  /**
   * Resolves once everything queued for `services` is in their files and no write is under way, so
   * `devsup logs -n` can read them whole in the same tick: no line missing, none there twice.
   */
  async flush(services: string[]): Promise<void> {
    const entries = services.flatMap((service) => this.files.get(service) ?? []);
    // Another write may start while one is awaited; the rest is written at once, not waited for.
    while (entries.some((entry) => entry.writing !== undefined)) await Promise.all(entries.flatMap((entry) => entry.writing ?? []));
    for (const entry of entries) this.writeNow(entry);
  }

  /** After the logs folder was removed (and made again): each file is opened anew at its next write. */
  reopen(): void {
    for (const entry of this.files.values()) entry.reopen = true;
  }

  private add(service: string): ServiceFile {
    const file = logFileOf(this.stateFolder, service);
    const entry: ServiceFile = {
      file,
      fd: undefined,
      bytes: 0,
      pending: [],
      pendingTimes: [],
      head: 0,
      pendingBytes: 0,
      skipped: 0,
      lost: 0,
      lostReason: '',
      midLine: false,
      writing: undefined,
      reopen: false,
      index: new LogIndexFile(file, this.trouble),
    };
    this.files.set(service, entry);
    return entry;
  }

  /** Writes what is queued for `entry` synchronously; no write may be under way. */
  private writeNow(entry: ServiceFile): void {
    const batch = this.prepare(entry);
    if (!batch) return;
    const progress = { written: 0 };
    try {
      writeAllSync(entry.fd!, batch.buffers, progress);
      this.worked(entry);
    } catch (error) {
      this.failed(entry, batch, progress.written, error);
    }
    indexWritten(entry.index, batch, progress.written);
    entry.index.writeSync(entry.bytes);
  }

  private queue(entry: ServiceFile, block: Buffer, time: number): void {
    entry.pending.push(block);
    entry.pendingTimes.push(time);
    entry.pendingBytes += block.length;
  }

  private flushAll(): void {
    this.timer = undefined;
    for (const entry of this.files.values()) {
      if (entry.writing || entry.pendingBytes === 0) continue;
      const batch = this.prepare(entry);
      if (!batch) continue;
      const progress = { written: 0 };
      entry.writing = writeAll(entry.fd!, batch.buffers, progress)
        .then(
          () => this.worked(entry),
          (error: unknown) => this.failed(entry, batch, progress.written, error),
        )
        .then(() => {
          // After the lines, so the index never times bytes the log does not have.
          indexWritten(entry.index, batch, progress.written);
          return entry.index.write(entry.bytes);
        })
        .finally(() => {
          entry.writing = undefined;
          // Blocks that came while this write was under way.
          if (entry.pendingBytes > 0) this.timer ??= setTimeout(() => this.flushAll(), FLUSH_MS).unref();
        });
    }
  }

  /** The queued blocks with the notes they need, the file open (and rotated) for them; undefined when it cannot be opened. */
  private prepare(entry: ServiceFile): Batch | undefined {
    const notes: Buffer[] = [];
    if (entry.lost > 0)
      notes.push(Buffer.from(`${entry.midLine ? '\n' : ''}[devsup: ${entry.lost} bytes of output lost here: ${entry.lostReason}]\n`));
    if (entry.skipped > 0) notes.push(Buffer.from(`[devsup: ${entry.skipped} bytes of output left out here: a burst larger than a log file]\n`));
    const blocks = entry.pending.slice(entry.head);
    const buffers = [...notes, ...blocks];
    const batch: Batch = { buffers, size: sumOf(buffers), notes: sumOf(notes), skipped: entry.skipped, start: 0, starts: [], times: [] };
    // The notes take the time of the lines after them; a record only where the time changes.
    let at = batch.notes;
    blocks.forEach((block, i) => {
      const time = entry.pendingTimes[entry.head + i]!;
      if (batch.times.at(-1) !== time) {
        batch.starts.push(i === 0 ? 0 : at);
        batch.times.push(time);
      }
      at += block.length;
    });
    entry.pending = [];
    entry.pendingTimes = [];
    entry.head = 0;
    entry.pendingBytes = 0;
    entry.skipped = 0;
    if (batch.size === 0) return undefined;
    if (entry.reopen) this.closeFile(entry);
    entry.reopen = false;
    if (entry.fd === undefined) this.open(entry);
    const logFull = entry.bytes + batch.size > this.maxBytes;
    const indexFull = entry.index.size + batch.times.length * INDEX_RECORD_BYTES > this.maxIndexBytes;
    if (entry.fd !== undefined && entry.bytes > 0 && (logFull || indexFull)) {
      this.rotate(entry);
      this.open(entry);
    }
    if (entry.fd === undefined) {
      this.failed(entry, batch, 0, undefined);
      return undefined;
    }
    batch.start = entry.bytes;
    entry.bytes += batch.size;
    return batch;
  }

  private open(entry: ServiceFile): void {
    try {
      entry.fd = openRegularFile(entry.file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, { mine: true });
      entry.bytes = fstatSync(entry.fd).size;
      entry.index.open(entry.bytes);
    } catch (error) {
      this.trouble.failed(entry.file, error, CONSEQUENCE);
      entry.lostReason ||= reasonOf(error);
    }
  }

  /** Called only with no write under way, so every byte of the old file is in it before it becomes `.1`. */
  private rotate(entry: ServiceFile): void {
    this.closeFile(entry);
    try {
      renameSync(entry.file, `${entry.file}.1`);
      entry.index.rotate();
    } catch (error) {
      // Removed by hand: the new file starts afresh all the same, and so does its index.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') entry.index.remove();
      else this.trouble.failed(entry.file, error, CONSEQUENCE);
    }
  }

  private closeFile(entry: ServiceFile): void {
    if (entry.fd !== undefined) closeSync(entry.fd);
    entry.fd = undefined;
    entry.index.close();
  }

  private worked(entry: ServiceFile): void {
    const lost = entry.lost;
    entry.lost = 0;
    entry.lostReason = '';
    entry.midLine = false;
    this.trouble.worked(entry.file, lost > 0 ? ` (${lost} bytes of its output could not be written, and the file says where)` : '');
  }

  /** Counts what did not reach the file (`error` undefined: it could not be opened, so nothing did). */
  private failed(entry: ServiceFile, batch: Batch, written: number, error: unknown): void {
    if (error !== undefined) {
      this.trouble.failed(entry.file, error, CONSEQUENCE);
      entry.lostReason ||= reasonOf(error);
      entry.bytes -= batch.size - written;
      if (written > 0) entry.midLine = byteAt(batch.buffers, written - 1) !== NEWLINE;
    }
    // Notes that reached the file told their loss; else it adds up with everything this batch carried.
    entry.lost = written >= batch.notes ? batch.size - written : entry.lost + batch.skipped + batch.size - batch.notes;
  }
}

/** writev until every byte is written (a regular file may take fewer bytes than asked); `progress` counts them. */
async function writeAll(fd: number, buffers: Buffer[], progress: { written: number }): Promise<void> {
  let rest = buffers;
  while (rest.length > 0) {
    const { bytesWritten } = await writevAsync(fd, rest);
    progress.written += bytesWritten;
    rest = remainder(rest, bytesWritten);
  }
}

function writeAllSync(fd: number, buffers: Buffer[], progress: { written: number }): void {
  let rest = buffers;
  while (rest.length > 0) {
    const written = writevSync(fd, rest);
    progress.written += written;
    rest = remainder(rest, written);
  }
}

function remainder(buffers: Buffer[], written: number): Buffer[] {
  let left = written;
  let index = 0;
  while (index < buffers.length && left >= buffers[index]!.length) left -= buffers[index++]!.length;
  return index < buffers.length ? [buffers[index]!.subarray(left), ...buffers.slice(index + 1)] : [];
}

/** Records the arrival times of what reached the log file (`written` bytes of `batch`). */
function indexWritten(index: LogIndexFile, batch: Batch, written: number): void {
  batch.starts.forEach((start, i) => {
    if (start < written) index.add(batch.start + start, batch.times[i]!);
  });
}

function sumOf(buffers: Buffer[]): number {
  return buffers.reduce((sum, buffer) => sum + buffer.length, 0);
}

function byteAt(buffers: Buffer[], index: number): number | undefined {
  let left = index;
  for (const buffer of buffers) {
    if (left < buffer.length) return buffer[left];
    left -= buffer.length;
  }
  return undefined;
}
