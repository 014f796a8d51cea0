import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { removeQuietly, writeFully } from '../files/safe-files.js';

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
const FILE_NAME = /^(\d+)-([\w.-]+)\.lease$/;

/** The port a lease file is for, from its name `PORT-OWNER.lease`; undefined for other files. */
export function portOfLeaseFile(name: string): number | undefined {
  const match = FILE_NAME.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** `PORT-UID.lease`: one name per user, so a stale lease of a user we may not delete never blocks ours. */
export function leaseFileName(port: number): string {
  return `${port}-${ownLeaseOwner()}.lease`;
}

/** The OWNER part of this user's lease file names: the uid, or on Windows (no uids) the user name. */
export function ownLeaseOwner(): string {
  return String(process.getuid?.() ?? os.userInfo().username.replace(/[^\w.-]/g, '_'));
}

/** The OWNER part of a lease file's name `PORT-OWNER.lease`. */
export function ownerOfLeaseFile(name: string): string | undefined {
  return FILE_NAME.exec(name)?.[2];
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
 * by its owner only. Throws the open error (EEXIST when taken), or the write error (a full disk)
 * once the unwritten file is gone again: left, it would block the port for a while as unreadable.
 */
export function createLeaseFile(file: string, lease: Lease): void {
  const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW, 0o644);
  try {
    writeFully(fd, Buffer.from(JSON.stringify(lease)));
  } catch (error) {
    closeSync(fd);
    removeQuietly(file);
    throw error;
  }
  closeSync(fd);
}
