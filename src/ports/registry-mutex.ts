import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { removeQuietly, writeFully } from '../files/safe-files.js';
import { isSameProcess, ownStartTime } from './process-identity.js';
import { sha256 } from '../files/sha256.js';

/** Ends the critical section. */
export type Unlock = () => Promise<void>;

/**
 * How long to wait for another allocator. Allocation takes milliseconds; past this the holder is
 * stuck (e.g. stopped with Ctrl-Z), and going on without the mutex beats hanging: the O_EXCL lease
 * files and the held probe sockets still keep most races apart.
 */
const WAIT_MS = 5_000;
const STALE_LOCK_MS = 5_000;

/**
 * The machine-wide mutex around "drop stale leases → probe → write lease" (the first step of every allocation).
 * Linux: an abstract Unix socket — the kernel frees it even when its holder is SIGKILLed, and it
 * has no file anyone could plant. Windows: a named pipe (the first instance wins). Elsewhere: a lock
 * file in the lease folder, taken over when its owner is dead.
 */
export function lockRegistry(folder: string, folderUsable: boolean): Promise<Unlock> {
  const name = `devsup-ports-${sha256(folder).toString('hex').slice(0, 16)}`;
  if (process.platform === 'linux') return lockWithSocket(`\0${name}`);
  if (process.platform === 'win32') return lockWithSocket(`\\\\.\\pipe\\${name}`);
  return folderUsable ? lockWithFile(path.join(folder, 'lock')) : Promise.resolve(async () => undefined);
}

/** Listening on `address` is the lock: a second listener gets EADDRINUSE until the first closes. */
export async function lockWithSocket(address: string, waitMs = WAIT_MS): Promise<Unlock> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const server = net.createServer((socket) => socket.destroy());
    const code = await new Promise<string | undefined>((resolve) => {
      server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'EUNKNOWN'));
      server.listen(address, () => resolve(undefined));
    });
    if (code === undefined) {
      server.unref(); // the lock must never keep devsup alive
      return () => new Promise((resolve) => server.close(() => resolve()));
    }
    if (code !== 'EADDRINUSE' || Date.now() > deadline) return async () => undefined;
    await sleep(2 + Math.random() * 8);
  }
}

/** A lock file created with O_EXCL, holding its owner's pid and start time. */
export async function lockWithFile(file: string, waitMs = WAIT_MS): Promise<Unlock> {
  const deadline = Date.now() + waitMs;
  const mine = `${process.pid} ${ownStartTime() ?? ''}`;
  for (;;) {
    try {
      return ownLock(openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o644), file, mine);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || Date.now() > deadline) return async () => undefined;
    }
    if (isStale(file)) {
      try {
        unlinkSync(file); // fails for another user's lock in a sticky folder: then it is waited out
        continue;
      } catch {
        // not ours to remove
      }
    }
    await sleep(2 + Math.random() * 8);
  }
}

/** Writes the owner into the lock just made. A full disk: no lock left behind, and on without the mutex, as when it is stuck. */
function ownLock(fd: number, file: string, mine: string): Unlock {
  try {
    writeFully(fd, Buffer.from(mine));
  } catch {
    closeSync(fd);
    removeQuietly(file);
    return async () => undefined;
  }
  closeSync(fd);
  return async () => {
    if (readOwner(file) === mine) unlinkSync(file);
  };
}

/** The lock's content, never through a symlink or from a FIFO someone planted. */
function readOwner(file: string): string | undefined {
  try {
    const fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
    try {
      return fstatSync(fd).isFile() ? readFileSync(fd, 'utf8') : undefined;
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/** The owner is gone, or the file stayed unreadable (half-written by a killed owner) for a while. */
function isStale(file: string): boolean {
  const [pid, startTime] = (readOwner(file) ?? '').split(' ');
  if (Number(pid) > 0) return !isSameProcess(Number(pid), startTime || undefined);
  try {
    return Date.now() - lstatSync(file).mtimeMs > STALE_LOCK_MS;
  } catch {
    return false;
  }
}
