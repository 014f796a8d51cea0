import { lstatSync, readdirSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { WriteTrouble } from '../files/write-trouble.js';
import { isSameProcess, ownStartTime } from './process-identity.js';
import { readProcOwner } from './proc-stat.js';
import {
  createLeaseFile,
  leaseFileName,
  ownerOfLeaseFile,
  ownLeaseOwner,
  portOfLeaseFile,
  readLeaseFile,
  type Lease,
  type LeaseFile,
} from './lease-files.js';
import { chooseLeaseFolder, configuredLeaseFolder } from './lease-folder.js';
import { lockRegistry } from './registry-mutex.js';

export type { Lease } from './lease-files.js';

/** Who a new lease is for. */
export type LeaseOwner = Pick<Lease, 'project' | 'service' | 'manifest'>;

/** The leases as one allocation sees them, inside the machine-wide mutex. */
export interface LeaseRegistry {
  /** Why `port` may not be handed out ("leased by devsup pid N for project X (service S)"), or undefined. */
  leasedTo(port: number): string | undefined;
  /** Leases `port` to this instance; false when another instance has it. True without a file when this process does not lease. */
  take(port: number, owner: LeaseOwner): boolean;
  /** Gives back a lease taken by this process (a service that could not get all its ports). */
  drop(port: number): void;
  /** Leaves the mutex. */
  close(): Promise<void>;
}

/** A young file without a readable lease is being written; an old one was left half-written by a killed owner. */
const UNREADABLE_GRACE_MS = 5_000;

type Warn = (message: string) => void;

/** Set by `devsup up` through startLeasing: only an instance leases; `check` and library use only respect leases. */
let leasing: { folder: string; trouble: WriteTrouble } | undefined;
/** Who hears that the lease folder cannot be used (once per process). */
let warnings: Warn = () => undefined;
/** Every lease file this process wrote, for releaseLeases. */
const written = new Set<string>();

/**
 * From now on, ports this process allocates are leased to it until releaseLeases (or its death).
 * `warn` hears when the folder cannot be used, and when a lease cannot be written (a full disk).
 */
export function startLeasing(warn: Warn, folder = configuredLeaseFolder()): void {
  warnings = warn;
  leasing = { folder, trouble: new WriteTrouble(warn) };
}

/** For commands that only read leases (`check`, `who`): who hears that the lease folder cannot be used. */
export function warnAboutLeaseFolder(warn: Warn): void {
  warnings = warn;
}

/** Removes this instance's leases (on a clean exit); a killed instance's are reclaimed by the next allocator. */
export function releaseLeases(): void {
  for (const file of written) if (readLeaseFile(file)?.lease?.pid === process.pid) removeFile(file);
  written.clear();
  leasing = undefined;
}

/** Gives back this instance's lease on `port` early: the service using it moved off it, or left the manifest. */
export function releaseLease(port: number): void {
  for (const file of written) {
    if (portOfLeaseFile(path.basename(file)) !== port) continue;
    written.delete(file);
    if (readLeaseFile(file)?.lease?.pid === process.pid) removeFile(file);
  }
}

/**
 * Takes the mutex, drops stale leases and reads the live ones; `close()` when the allocation is done.
 * Leases live in `folder`, or in the per-user folder beside it when it cannot be used (lease-folder.ts).
 */
export async function openLeaseRegistry(folder = leasing?.folder ?? configuredLeaseFolder()): Promise<LeaseRegistry> {
  const used = chooseLeaseFolder(folder, warnings);
  const close = await lockRegistry(used ?? folder, used !== undefined);
  let others: Map<number, string>;
  try {
    others = used ? collectLeases(used) : new Map<number, string>();
  } catch (error) {
    await close(); // a lock left held would stall every allocation on the machine
    throw error;
  }
  return {
    leasedTo: (port) => others.get(port),
    take: (port, owner) => !leasing || leasing.folder !== folder || !used || takeLease(used, port, owner, leasing.trouble),
    drop: (port) => {
      const file = path.join(used ?? folder, leaseFileName(port));
      if (written.delete(file)) removeFile(file);
    },
    close,
  };
}

/** The live lease of another process on `port` (for `devsup who`), without the mutex: reading only. */
export function findLease(port: number, folder = leasing?.folder ?? configuredLeaseFolder()): Lease | undefined {
  const used = chooseLeaseFolder(folder, warnings);
  for (const name of used ? listFiles(used) : []) {
    if (portOfLeaseFile(name) !== port) continue;
    const found = readLeaseFile(path.join(used!, name));
    if (found?.lease && judge(found) === 'live') return found.lease;
  }
  return undefined;
}

/** A live lease as `devsup ls` shows it: whose it is, by its file. */
export interface LeaseSeen {
  lease: Lease;
  /** The user of the file's name (`PORT-OWNER.lease`): a uid, or on Windows a user name. */
  owner: string;
  /** The file's owner (Unix). */
  uid: number;
  /** This user's: the name says so and, where files have owners, the file too. */
  own: boolean;
}

/** Every live lease of every devsup instance on the machine (for `devsup ls`), without the mutex: reading only. */
export function liveLeases(folder = configuredLeaseFolder()): LeaseSeen[] {
  const used = chooseLeaseFolder(folder, warnings);
  const running = new Map<string, boolean>();
  return (used ? listFiles(used) : []).flatMap((name) => {
    const owner = ownerOfLeaseFile(name);
    if (owner === undefined) return [];
    const found = readLeaseFile(path.join(used!, name));
    if (!found?.lease || judge(found, running) !== 'live') return [];
    const own = owner === ownLeaseOwner() && (process.getuid === undefined || found.uid === process.getuid());
    return [{ lease: found.lease, owner, uid: found.uid, own }];
  });
}

export function describeLease(lease: Lease): string {
  return `leased by devsup pid ${lease.pid} for project ${lease.project} (service ${lease.service})`;
}

function collectLeases(folder: string): Map<number, string> {
  const leases = new Map<number, string>();
  const running = new Map<string, boolean>();
  for (const name of listFiles(folder)) {
    const port = portOfLeaseFile(name);
    if (port === undefined) continue;
    const file = path.join(folder, name);
    const found = readLeaseFile(file);
    if (!found) continue; // a symlink, FIFO or folder planted under a lease name is no lease
    const verdict = judge(found, running);
    if (verdict === 'stale' && mayRemove(found.uid)) removeFile(file);
    if (verdict === 'live' && !leases.has(port))
      leases.set(port, found.lease ? describeLease(found.lease) : 'leased by another devsup instance (its lease is being written)');
  }
  return leases;
}

function takeLease(folder: string, port: number, owner: LeaseOwner, trouble: WriteTrouble): boolean {
  const file = path.join(folder, leaseFileName(port));
  const lease: Lease = {
    port,
    pid: process.pid,
    ...(ownStartTime() ? { startTime: ownStartTime() } : {}),
    ...owner,
    createdAt: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      createLeaseFile(file, lease);
      written.add(file);
      trouble.worked(folder, '', `lease files in ${folder}`);
      return true;
    } catch (error) {
      // Full disk, folder removed under us…: allocate without a lease rather than not at all.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        trouble.failed(
          folder,
          error,
          'ports are handed out without a lease until it works again, so another devsup could pick the same one',
          `lease files in ${folder}`,
        );
        return true;
      }
    }
    if (!mayReplace(file)) return false;
    removeFile(file);
  }
  return false;
}

/** Only our own files, and only our own lease from an earlier allocation or a stale one, are replaced. */
function mayReplace(file: string): boolean {
  const found = readLeaseFile(file);
  if (found) return mayRemove(found.uid) && judge(found) !== 'live';
  const owner = ownerOf(file);
  return owner === undefined || mayRemove(owner); // gone meanwhile, or our own stray symlink or FIFO
}

/**
 * `own`: written by this process. `stale`: its instance is gone (or its pid reused). `forged`: the
 * claimed pid runs as another user than the file's owner — ignored, never removed. `live` blocks the port.
 */
function judge(found: LeaseFile, running = new Map<string, boolean>()): 'own' | 'stale' | 'forged' | 'live' {
  const { lease } = found;
  if (!lease) return Date.now() - found.mtimeMs > UNREADABLE_GRACE_MS ? 'stale' : 'live';
  if (lease.pid === process.pid && (lease.startTime === undefined || lease.startTime === ownStartTime())) return 'own';
  // One instance holds many leases; outside Linux each check runs `ps`, so ask once per instance.
  const key = `${lease.pid} ${lease.startTime}`;
  if (!running.has(key)) running.set(key, isSameProcess(lease.pid, lease.startTime));
  if (!running.get(key)) return 'stale';
  if (process.platform === 'linux' && readProcOwner(lease.pid) !== found.uid) return 'forged';
  return 'live';
}

function ownerOf(file: string): number | undefined {
  try {
    return lstatSync(file).uid;
  } catch {
    return undefined;
  }
}

/** In the sticky folder only a file's owner may remove it; root too, but leaves other users' files alone. */
function mayRemove(uid: number): boolean {
  return process.getuid === undefined || uid === process.getuid();
}

function listFiles(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
}

function removeFile(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // gone already, or not ours after all
  }
}
