import { lstatSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { STATE_FOLDER } from './state-paths.js';

/** How often the running instance looks for its state folder besides watching for its removal. */
const CHECK_MS = 1_000;

/**
 * While `up` runs: when `.devsup/` or the control socket vanishes (`git clean -fdx`, `rm -rf`),
 * `restore` makes them again — folder, lock, socket, state and log files — so the commands of
 * other terminals find the instance again. A folder watch notices at once; a check every second
 * covers a platform whose watch misses it. `restore` runs one at a time.
 */
export function keepStateFolder(
  manifestDir: string,
  socketPath: string,
  restore: () => Promise<void>,
  warn: (message: string) => void,
): { close(): void } {
  const folder = path.join(manifestDir, STATE_FOLDER);
  const isPipe = process.platform === 'win32';
  let restoring: Promise<void> | undefined;
  const check = () => {
    if (restoring || (exists(folder) && (isPipe || exists(socketPath)))) return;
    restoring = restore()
      .catch((error: unknown) => warn(`${folder} was removed, and could not be made again: ${(error as Error).message}`))
      .finally(() => (restoring = undefined));
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(manifestDir, { persistent: false }, (_event, name) => {
      if (name === null || name === STATE_FOLDER) check();
    });
    watcher.on('error', () => watcher?.close()); // the timer still checks
  } catch {
    // no watch here (a missing folder, no inotify watches left): the timer still checks
  }
  const timer = setInterval(check, CHECK_MS).unref();
  return {
    close: () => {
      clearInterval(timer);
      watcher?.close();
    },
  };
}

function exists(file: string): boolean {
  return lstatSync(file, { throwIfNoEntry: false }) !== undefined;
}
