import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DevsupError, InstanceRunningError } from '../errors.js';
import { isSameProcess, processStartTime } from '../ports/process-identity.js';

export const LOCK_NAME = 'instance.lock';

/** An owner that created the lock file but has not written it yet is given this long before it counts as dead. */
const UNWRITTEN_GRACE_MS = 2_000;
const ATTEMPTS = 200;
const RETRY_MS = 10;

export interface InstanceLock {
  release(): void;
}

interface LockOwner {
  pid: number;
  startTime?: string;
}

/**
 * One `devsup up` per manifest: `.devsup/instance.lock` is created exclusively (O_EXCL) and names
 * its owner by pid and start time. A live owner means "already running" (exit 1, naming its pid);
 * the lock of a dead owner is taken over silently. Taking over is serialised by a guard file
 * named after the stale content, so two new instances racing for one stale lock cannot both win,
 * and neither can delete the fresh lock of the other.
 */
export async function takeInstanceLock(stateFolder: string, manifestFile: string): Promise<InstanceLock> {
  const file = path.join(stateFolder, LOCK_NAME);
  const content = `${process.pid} ${processStartTime(process.pid) ?? '-'}\n`;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (createExclusively(file, content)) {
      const release = () => releaseLock(file, content);
      // However `up` ends, a lock left behind would only be taken over later; removing it is tidier.
      process.once('exit', release);
      return {
        release: () => {
          process.off('exit', release);
          release();
        },
      };
    }
    const raw = readOrUndefined(file);
    if (raw === undefined) continue; // released meanwhile: try again at once
    const owner = parseOwner(raw);
    if (owner && isSameProcess(owner.pid, owner.startTime)) throw new InstanceRunningError(owner.pid, manifestFile);
    if (!owner && !isOlderThan(file, UNWRITTEN_GRACE_MS)) {
      await sleep(RETRY_MS); // its owner is between create and write
      continue;
    }
    if (!removeStaleLock(file, raw)) await sleep(RETRY_MS);
  }
  throw new DevsupError(`could not take the instance lock ${file}: other devsup processes keep taking it over.`, 1, 'Try again; if this persists, remove the file.');
}

/** Removes the lock only if it still holds `raw`; false when another process is taking it over. */
function removeStaleLock(file: string, raw: string): boolean {
  const guard = `${file}.${createHash('sha256').update(raw).digest('hex').slice(0, 16)}.takeover`;
  if (!createExclusively(guard, `${process.pid} ${processStartTime(process.pid) ?? '-'}\n`)) {
    // A guard whose maker died mid-takeover would block every later instance.
    const maker = parseOwner(readOrUndefined(guard) ?? '');
    if (maker && !isSameProcess(maker.pid, maker.startTime)) unlinkQuietly(guard);
    return false;
  }
  try {
    // Only a guard holder removes this content, and nobody can create a new lock while it exists.
    if (readOrUndefined(file) === raw) unlinkQuietly(file);
  } finally {
    unlinkQuietly(guard);
  }
  return true;
}

function createExclusively(file: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

function parseOwner(raw: string): LockOwner | undefined {
  const match = /^(\d+) (\S+)\n$/.exec(raw);
  if (!match) return undefined;
  return { pid: Number(match[1]), startTime: match[2] === '-' ? undefined : match[2] };
}

function releaseLock(file: string, content: string): void {
  if (readOrUndefined(file) === content) unlinkQuietly(file);
}

function readOrUndefined(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function isOlderThan(file: string, ms: number): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs > ms;
  } catch {
    return false;
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
