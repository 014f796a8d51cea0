import { closeSync, constants, lstatSync, openSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DevsupError, InstanceRunningError } from '../errors.js';
import { readRegularFile, reasonOf, RefusedFileError, shownPath, writeFully } from '../files/safe-files.js';
import { isSameProcess, ownStartTime } from '../ports/process-identity.js';
import { sha256 } from '../files/sha256.js';

export const LOCK_NAME = 'instance.lock';

/** An owner that created the lock file but has not written it yet is given this long before it counts as dead. */
const UNWRITTEN_GRACE_MS = 2_000;
const ATTEMPTS = 200;
const RETRY_MS = 10;

export interface InstanceLock {
  release(): void;
  /** Writes the lock again after `.devsup/` was removed under the running instance. */
  restore(): void;
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
 * and neither can delete the fresh lock of the other. A lock that cannot be written (a full disk)
 * is said and done without: it guards against a mistake, and must not keep devsup from running.
 * One that is a symlink is refused (DevsupError), never followed.
 */
export async function takeInstanceLock(stateFolder: string, manifestFile: string, warn: (message: string) => void): Promise<InstanceLock> {
  const file = path.join(stateFolder, LOCK_NAME);
  try {
    return await lockOrFail(file, manifestFile);
  } catch (error) {
    if (error instanceof DevsupError) throw error;
    warn(`could not write ${shownPath(file)}: ${reasonOf(error)}; devsup runs without it, so a second \`devsup up\` here would not be stopped.`);
    return { release: () => undefined, restore: () => undefined };
  }
}

async function lockOrFail(file: string, manifestFile: string): Promise<InstanceLock> {
  const content = `${process.pid} ${ownStartTime() ?? '-'}\n`;
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
        restore: () => {
          try {
            createExclusively(file, content);
          } catch {
            // the folder is gone again, or full: the instance name still keeps the rule (instance-name.ts)
          }
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
  throw new DevsupError(
    `could not take the instance lock ${file}: other devsup processes keep taking it over.`,
    1,
    'Try again; if this persists, remove the file.',
  );
}

/** The live process holding the lock in `stateFolder` (a devsup that claimed its manifest), if one does. */
export function lockHolder(stateFolder: string): number | undefined {
  const owner = parseOwner(readOrUndefined(path.join(stateFolder, LOCK_NAME)) ?? '');
  return owner && isSameProcess(owner.pid, owner.startTime) ? owner.pid : undefined;
}

/** Removes the lock only if it still holds `raw`; false when another process is taking it over. */
function removeStaleLock(file: string, raw: string): boolean {
  const guard = `${file}.${sha256(raw).toString('hex').slice(0, 16)}.takeover`;
  if (!createExclusively(guard, `${process.pid} ${ownStartTime() ?? '-'}\n`)) {
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

/** False when anything (a file, a link) has the name; throws when it cannot be made or written (leaving no file). */
function createExclusively(file: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeFully(fd, Buffer.from(content));
  } catch (error) {
    closeSync(fd);
    unlinkQuietly(file); // ours, made a moment ago: left empty, it would only be taken over later
    throw error;
  }
  closeSync(fd);
  return true;
}

function parseOwner(raw: string): LockOwner | undefined {
  const match = /^(\d+) (\S+)\n$/.exec(raw);
  if (!match) return undefined;
  return { pid: Number(match[1]), startTime: match[2] === '-' ? undefined : match[2] };
}

function releaseLock(file: string, content: string): void {
  try {
    if (readOrUndefined(file) === content) unlinkQuietly(file);
  } catch {
    // replaced by something not ours (a link): left alone, and never a reason to fail on the way out
  }
}

/** The file's content, never through a symlink: one at the lock's name is refused, not followed. */
function readOrUndefined(file: string): string | undefined {
  try {
    return readRegularFile(file)?.toString('utf8');
  } catch (error) {
    if (!(error instanceof RefusedFileError)) throw error;
    const shown = shownPath(file);
    throw new DevsupError(`not using ${shown}: ${error.problem}.`, 1, `Remove it (rm ${shown}) and run again.`);
  }
}

function isOlderThan(file: string, ms: number): boolean {
  try {
    return Date.now() - lstatSync(file).mtimeMs > ms;
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
