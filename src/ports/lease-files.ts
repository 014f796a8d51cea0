import { chmodSync, closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** One lease: a port some devsup instance handed out, for as long as that instance runs. */
export interface Lease {
  port: number;
  pid: number; // the devsup instance
  startTime?: string; // of that pid, so a reused pid does not keep the lease alive (process-identity.ts)
  project: string;
  service: string;
  manifest?: string;
  createdAt: string;
}

/** A lease file as found: its content (undefined when unreadable as a lease), owner and age. */
export interface LeaseFile {
  lease?: Lease;
  uid: number;
  mtimeMs: number;
}

// Absent on Windows (0 there: no symlinks to plant without privileges, and no FIFOs).
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;
const MAX_LEASE_BYTES = 4096;
const FILE_NAME = /^(\d+)-[\w.-]+\.lease$/;

/**
 * One folder for the whole machine, shared by every user: /tmp (sticky, like /tmp itself) on Unix —
 * not os.tmpdir(), which is per user on macOS and under TMPDIR — and ProgramData on Windows.
 */
export function defaultLeaseFolder(): string {
  if (process.platform === 'win32') return path.join(process.env.ProgramData ?? os.tmpdir(), 'devsup', 'ports');
  return '/tmp/devsup-ports';
}

/**
 * Creates the folder (mode 1777: everyone may add leases, only a file's owner may remove it) and
 * checks it is safe to use: a real folder, not a symlink planted by someone, and not one where
 * others could delete or replace our files. False when it cannot be used.
 */
export function prepareLeaseFolder(folder: string): boolean {
  try {
    if (mkdirSync(folder, { recursive: true, mode: 0o1777 }) !== undefined) chmodSync(folder, 0o1777); // the umask cut the mode
    const stat = lstatSync(folder);
    if (!stat.isDirectory()) return false;
    if (process.platform === 'win32') return true;
    const othersMayWrite = (stat.mode & 0o022) !== 0;
    return !othersMayWrite || (stat.mode & 0o1000) !== 0;
  } catch {
    return false;
  }
}

/** The port a lease file is for, from its name `PORT-OWNER.lease`; undefined for other files. */
export function portOfLeaseFile(name: string): number | undefined {
  const match = FILE_NAME.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** `PORT-UID.lease`: one name per user, so a stale lease of a user we may not delete never blocks ours. */
export function leaseFileName(port: number): string {
  const owner = process.getuid?.() ?? os.userInfo().username.replace(/[^\w.-]/g, '_');
  return `${port}-${owner}.lease`;
}

/**
 * Reads a lease file without following a symlink and without blocking on a FIFO someone planted;
 * undefined when it is no regular file or is gone.
 */
export function readLeaseFile(file: string): LeaseFile | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return undefined;
    const buffer = Buffer.alloc(Math.min(stat.size, MAX_LEASE_BYTES));
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    const lease = parseLease(buffer.toString('utf8', 0, length), portOfLeaseFile(path.basename(file)));
    return { ...(lease ? { lease } : {}), uid: stat.uid, mtimeMs: stat.mtimeMs };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

function parseLease(text: string, port: number | undefined): Lease | undefined {
  try {
    const lease = JSON.parse(text) as Lease;
    const valid =
      lease.port === port &&
      Number.isInteger(lease.pid) &&
      lease.pid > 0 &&
      typeof lease.project === 'string' &&
      typeof lease.service === 'string' &&
      (lease.startTime === undefined || typeof lease.startTime === 'string') &&
      (lease.manifest === undefined || typeof lease.manifest === 'string');
    return valid ? lease : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Creates a lease file atomically: O_EXCL fails if anything — a file, or a symlink planted by
 * someone — already has the name. Readable by all (other users' allocators must see it), writable
 * by its owner only. Throws the open error (EEXIST when taken).
 */
export function createLeaseFile(file: string, lease: Lease): void {
  const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW, 0o644);
  try {
    const bytes = Buffer.from(JSON.stringify(lease));
    for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written);
  } finally {
    closeSync(fd);
  }
}
