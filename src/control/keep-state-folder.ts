import { lstatSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { STATE_FOLDER } from './state-paths.js';

/**
 * Where no folder watch can see a removal (a socket outside `.devsup/`, a platform that would not
 * watch): a look this often. Not more: a timer that wakes devsup costs idle CPU.
 */
const FALLBACK_CHECK_MS = 5_000;
/** A removal (`rm -rf`, `git clean`) is a burst of events: look once it is over, so devsup never writes into a folder being removed. */
const SETTLE_MS = 300;

/**
 * While `up` runs: when `.devsup/` or the control socket vanishes (`git clean -fdx`, `rm -rf`),
 * `restore` makes them again — folder, lock, socket, state and log files — so the commands of
 * other terminals find the instance again. Watches of the manifest's folder and of `.devsup/`
 * notice it, and devsup looks once the removal is over; a slow check covers what they cannot see. `restore` runs one at a time.
 */
export function keepStateFolder(
  manifestDir: string,
  socketPath: string,
  restore: () => Promise<void>,
  warn: (message: string) => void,
): { close(): void } {
  const folder = path.join(manifestDir, STATE_FOLDER);
  const isPipe = process.platform === 'win32';
  const socketInFolder = !isPipe && path.dirname(socketPath) === folder;
  let restoring: Promise<void> | undefined;
  let inside: FSWatcher | undefined;
  let settling: NodeJS.Timeout | undefined;
  const check = () => {
    if (restoring || (exists(folder) && (isPipe || exists(socketPath)))) return;
    restoring = restore()
      .catch((error: unknown) => warn(`${folder} was removed, and could not be made again: ${(error as Error).message}`))
      .finally(() => {
        restoring = undefined;
        inside?.close();
        inside = socketInFolder ? watchNames(folder, [path.basename(socketPath)], checkWhenSettled) : undefined; // the folder is a new one
      });
  };
  const checkWhenSettled = () => {
    clearTimeout(settling);
    settling = setTimeout(check, SETTLE_MS).unref();
  };
  const parent = watchNames(manifestDir, [STATE_FOLDER], checkWhenSettled);
  inside = socketInFolder ? watchNames(folder, [path.basename(socketPath)], checkWhenSettled) : undefined;
  const timer = !parent || (!isPipe && !inside) ? setInterval(check, FALLBACK_CHECK_MS).unref() : undefined;
  return {
    close: () => {
      clearInterval(timer);
      clearTimeout(settling);
      parent?.close();
      inside?.close();
    },
  };
}

/** Calls `onChange` when an entry named in `names` changes in `dir` (or when the platform does not say which); undefined when `dir` cannot be watched. */
function watchNames(dir: string, names: string[], onChange: () => void): FSWatcher | undefined {
  try {
    const watcher = watch(dir, { persistent: false }, (_event, name) => {
      if (name === null || names.includes(name)) onChange();
    });
    watcher.on('error', () => watcher.close()); // e.g. the folder itself was removed: the parent's watch sees that
    return watcher;
  } catch {
    return undefined; // a missing folder, or no inotify watches left
  }
}

function exists(file: string): boolean {
  return lstatSync(file, { throwIfNoEntry: false }) !== undefined;
}
