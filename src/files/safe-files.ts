import { closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, readSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { open, rename, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

// 0 on Windows: no symlinks to plant there without privileges, and no FIFOs.
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;

/** A file devsup will not open: `problem` reads "it is a symlink to /x", "it is a folder", … */
export class RefusedFileError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${shownPath(file)}: ${problem}`);
    this.name = 'RefusedFileError';
  }
}

/** `file` as its user would type it: relative to the current folder when inside it. */
export function shownPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative.split(path.sep).join('/') : file;
}

/** The gist of a file system error ("no space left on device"), without the code and path node adds. */
export function reasonOf(error: unknown): string {
  if (error instanceof RefusedFileError) return error.problem;
  const { code, message } = error as NodeJS.ErrnoException;
  return code ? message.replace(/^\w+: /, '').replace(/, \w+( '.*')?$/, '') : String(message ?? error);
}

/**
 * Opens a regular file without following a symlink and without blocking on a FIFO someone
 * planted. `mine`: refuse a file of another user (in devsup's own folder, only we make files).
 * Throws RefusedFileError for anything else at the name; other errors (ENOENT, ENOSPC) as they are.
 */
export function openRegularFile(file: string, flags: number, options: { mode?: number; mine?: boolean } = {}): number {
  let fd: number;
  try {
    fd = openSync(file, flags | O_NOFOLLOW | O_NONBLOCK, options.mode ?? 0o600);
  } catch (error) {
    const problem = ['ELOOP', 'EMLINK', 'ENXIO', 'EISDIR'].includes((error as NodeJS.ErrnoException).code ?? '') ? problemAt(file) : undefined;
    throw problem ? new RefusedFileError(file, problem) : error;
  }
  const stat = fstatSync(fd);
  const problem = !stat.isFile() ? `it is ${kindOf(stat)}` : options.mine && !isMine(stat) ? `it belongs to uid ${stat.uid}, not to you` : undefined;
  if (problem) {
    closeSync(fd);
    throw new RefusedFileError(file, problem);
  }
  return fd;
}

/** The whole of a regular file, never through a symlink; undefined when there is none. */
export function readRegularFile(file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openRegularFile(file, constants.O_RDONLY);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return readAll(fd);
  } finally {
    closeSync(fd);
  }
}

/** The most devsup reads of a file a user gave it (a manifest, an env file): far past any real one, short of exhausting memory. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

/**
 * A file the user points devsup at (a manifest, an env file, a Procfile, package.json), or undefined
 * when there is none. Symlinks are followed (a linked `.env` is common), but only a regular file of at
 * most MAX_INPUT_BYTES is read: a FIFO would block forever and /dev/zero never ends. Anything else
 * throws RefusedFileError; other errors (EACCES) as they are.
 */
export function readInputFile(file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new RefusedFileError(file, `it is ${kindOf(stat)}, and devsup reads only regular files`);
    if (stat.size > MAX_INPUT_BYTES)
      throw new RefusedFileError(
        file,
        `it is ${stat.size.toLocaleString('en-US')} bytes, more than the ${MAX_INPUT_BYTES / 1024 / 1024} MiB devsup reads`,
      );
    return readAll(fd);
  } finally {
    closeSync(fd);
  }
}

/** All of an open file from byte `from` on (its start by default). */
export function readAll(fd: number, from = 0): Buffer {
  const chunks: Buffer[] = [];
  for (let position = from; ;) {
    const chunk = Buffer.alloc(64 * 1024);
    const length = readSync(fd, chunk, 0, chunk.length, position);
    if (length === 0) return Buffer.concat(chunks);
    chunks.push(chunk.subarray(0, length));
    position += length;
  }
}

/**
 * Replaces `file` in one step: a new temp file (O_EXCL: never one someone planted, nor a link)
 * renamed over it, so a reader never sees half a file and a symlink at `file` is replaced, not
 * followed. A failed write (a full disk) leaves neither a temp file nor a torn `file`.
 */
export async function writeFileAtomically(file: string, data: string | Buffer): Promise<void> {
  // Asynchronous: a rename over a file makes the file system flush it first, which on a busy disk
  // takes milliseconds that would otherwise stall every service's spawn and output.
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = await createExclusively(temporary);
  try {
    await handle.writeFile(data);
    await handle.close();
    await rename(temporary, file);
  } catch (error) {
    await handle.close().catch(() => undefined); // closed already
    removeQuietly(temporary);
    throw error;
  }
}

/** A new file of ours (0600); one left at the name by a killed devsup with our pid is removed first. */
async function createExclusively(file: string): Promise<FileHandle> {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW;
  try {
    return await open(file, flags, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  unlinkSync(file); // removes a link itself, never its target
  return open(file, flags, 0o600);
}

/** write until every byte is written: a file may take fewer bytes than asked. */
export function writeFully(fd: number, data: Buffer): void {
  for (let written = 0; written < data.length;) written += writeSync(fd, data, written);
}

export function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // gone already
  }
}

export function isMine(stat: Stats): boolean {
  return process.getuid === undefined || stat.uid === process.getuid();
}

/** What is at `file` instead of a regular file ("a symlink to /x"), or undefined. */
function problemAt(file: string): string | undefined {
  try {
    const stat = lstatSync(file);
    return stat.isFile() ? undefined : `it is ${kindOf(stat, file)}`;
  } catch {
    return undefined;
  }
}

/** "a symlink to /x", "a folder", "a FIFO", … for a message. */
export function kindOf(stat: Stats, file?: string): string {
  if (stat.isSymbolicLink()) return file === undefined ? 'a symlink' : `a symlink to ${linkTarget(file)}`;
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isSocket()) return 'a socket';
  return stat.isFile() ? 'a file' : 'a device';
}

function linkTarget(file: string): string {
  try {
    return readlinkSync(file);
  } catch {
    return '(unreadable)';
  }
}
