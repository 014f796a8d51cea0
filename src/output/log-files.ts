import { closeSync, fstatSync, mkdirSync, openSync, renameSync, writev, writevSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

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
  fd: number | undefined; // undefined once the file could not be opened or written
  bytes: number; // size of the current file, writes under way included
  pending: Buffer[];
  head: number; // pending blocks before it were cut
  pendingBytes: number;
  skipped: number;
  writing: Promise<void> | undefined;
}

/**
 * `.devsup/logs/SERVICE.log`: each service's raw output, appended across runs and rotated at
 * LOG_FILE_MAX_BYTES (one older file kept), so `devsup logs` works after the instance is gone.
 * Writes are asynchronous, one under way per service: a slow disk never holds a service back.
 */
export class LogFiles {
  private readonly files = new Map<string, ServiceFile>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stateFolder: string,
    private readonly warn: (message: string) => void,
    private readonly maxBytes = LOG_FILE_MAX_BYTES,
  ) {
    mkdirSync(logsFolderOf(stateFolder), { recursive: true, mode: 0o700 });
  }

  /** Queues a block of whole lines (see LogMultiplexer.onOutput). */
  write(service: string, lines: Buffer): void {
    const entry = this.files.get(service) ?? this.open(service);
    if (entry.fd === undefined) return;
    this.queue(entry, lines);
    if (lines[lines.length - 1] !== NEWLINE) this.queue(entry, NEWLINE_BYTES);
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
    await Promise.all([...this.files.values()].map((entry) => entry.writing));
    for (const entry of this.files.values()) {
      const buffers = this.take(entry);
      if (entry.fd === undefined) continue;
      try {
        if (buffers.length > 0) writeAllSync(entry.fd, buffers);
      } catch (error) {
        this.warn(`could not write ${entry.file}: ${(error as Error).message}`);
      }
      closeSync(entry.fd);
    }
    this.files.clear();
  }

  /**
   * Resolves once everything queued for `services` is in their files and no write is under way, so
   * `devsup logs -n` can read them whole in the same tick: no line missing, none there twice.
   */
  async flush(services: string[]): Promise<void> {
    const entries = services.flatMap((service) => this.files.get(service) ?? []);
    // Another write may start while one is awaited; the rest is written at once, not waited for.
    while (entries.some((entry) => entry.writing)) await Promise.all(entries.map((entry) => entry.writing));
    for (const entry of entries) {
      if (entry.pendingBytes === 0) continue;
      const buffers = this.take(entry);
      if (entry.fd === undefined) continue;
      try {
        writeAllSync(entry.fd, buffers);
      } catch (error) {
        this.fail(entry, error as Error);
      }
    }
  }

  private queue(entry: ServiceFile, block: Buffer): void {
    entry.pending.push(block);
    entry.pendingBytes += block.length;
  }

  private open(service: string): ServiceFile {
    const entry: ServiceFile = { file: logFileOf(this.stateFolder, service), fd: undefined, bytes: 0, pending: [], head: 0, pendingBytes: 0, skipped: 0, writing: undefined };
    this.files.set(service, entry);
    this.openFile(entry);
    return entry;
  }

  private openFile(entry: ServiceFile): void {
    try {
      entry.fd = openSync(entry.file, 'a', 0o600);
      entry.bytes = fstatSync(entry.fd).size;
    } catch (error) {
      this.fail(entry, error as Error);
    }
  }

  private flushAll(): void {
    this.timer = undefined;
    for (const entry of this.files.values()) {
      if (entry.writing || entry.fd === undefined || entry.pendingBytes === 0) continue;
      const buffers = this.take(entry);
      const fd = entry.fd;
      entry.writing = writeAll(fd, buffers).then(
        () => {
          entry.writing = undefined;
          // Blocks that came while this write was under way.
          if (entry.pendingBytes > 0) this.timer ??= setTimeout(() => this.flushAll(), FLUSH_MS).unref();
        },
        (error: Error) => {
          entry.writing = undefined;
          this.fail(entry, error);
        },
      );
    }
  }

  /** The queued blocks (after a note of what a burst cut), rotating first when they would pass the size cap. */
  private take(entry: ServiceFile): Buffer[] {
    const buffers = entry.pending.slice(entry.head);
    if (entry.skipped > 0) buffers.unshift(Buffer.from(`[devsup: ${entry.skipped} bytes of output left out here: a burst larger than a log file]\n`));
    const size = buffers.reduce((sum, buffer) => sum + buffer.length, 0);
    entry.pending = [];
    entry.head = 0;
    entry.pendingBytes = 0;
    entry.skipped = 0;
    if (entry.fd !== undefined && entry.bytes > 0 && entry.bytes + size > this.maxBytes) this.rotate(entry);
    entry.bytes += size;
    return buffers;
  }

  /** Called only with no write under way, so every byte of the old file is in it before it becomes `.1`. */
  private rotate(entry: ServiceFile): void {
    closeSync(entry.fd!);
    entry.fd = undefined;
    try {
      renameSync(entry.file, `${entry.file}.1`);
    } catch (error) {
      // Removed by hand: the new file starts afresh all the same.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return this.fail(entry, error as Error);
    }
    this.openFile(entry);
  }

  private fail(entry: ServiceFile, error: Error): void {
    if (entry.fd !== undefined) closeSync(entry.fd);
    entry.fd = undefined;
    this.warn(`stopped writing ${entry.file}: ${error.message}`);
  }
}

/** writev until every byte is written: a regular file may take fewer bytes than asked. */
async function writeAll(fd: number, buffers: Buffer[]): Promise<void> {
  let rest = buffers;
  while (rest.length > 0) rest = remainder(rest, (await writevAsync(fd, rest)).bytesWritten);
}

function writeAllSync(fd: number, buffers: Buffer[]): void {
  let rest = buffers;
  while (rest.length > 0) rest = remainder(rest, writevSync(fd, rest));
}

function remainder(buffers: Buffer[], written: number): Buffer[] {
  let left = written;
  let index = 0;
  while (index < buffers.length && left >= buffers[index]!.length) left -= buffers[index++]!.length;
  return index < buffers.length ? [buffers[index]!.subarray(left), ...buffers.slice(index + 1)] : [];
}
