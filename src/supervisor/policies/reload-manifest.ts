import { statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { DevsupError } from '../../errors.js';
import type { Manifest } from '../../manifest/service-spec.js';
import type { ManifestChanges } from '../manifest-diff.js';
import type { Supervisor } from '../supervisor.js';

/** Editors save in bursts (write, rename, chmod): one reload for all of it. */
const RELOAD_DEBOUNCE_MS = 200;
const LOCAL_FILE = 'services.local.yaml';

export interface ManifestWatcher {
  close(): Promise<void>;
}

/**
 * While `up` runs, an edit to the manifest or services.local.yaml is loaded again: an invalid
 * edit changes nothing and is reported; a valid one is applied as a difference (see
 * `Supervisor.applyManifest`) and what was done is said. `onApplied` runs after each applied edit.
 * `loadedAt` is when the manifest in force was read.
 */
export async function reloadOnManifestChange(
  supervisor: Supervisor,
  load: () => Promise<Manifest>,
  loadedAt: number,
  say: (message: string) => void,
  onApplied: (changes: ManifestChanges) => Promise<void> | void,
): Promise<ManifestWatcher> {
  const manifest = supervisor.manifest;
  if (path.basename(manifest.file) === 'Procfile') return { close: async () => undefined };
  const names = new Set([path.basename(manifest.file), LOCAL_FILE]);
  let timer: NodeJS.Timeout | undefined;
  let applying = Promise.resolve();
  const reload = async () => {
    let next: Manifest;
    try {
      next = await load();
    } catch (error) {
      if (!(error instanceof DevsupError)) throw error;
      say(`${path.basename(manifest.file)} changed, but cannot be used; everything keeps running as it was:\n${error.message}`);
      return;
    }
    const changes = await supervisor.applyManifest(next);
    say(`${path.basename(manifest.file)} reloaded: ${describeChanges(changes)}`);
    await onApplied(changes);
  };
  const schedule = () => {
    clearTimeout(timer);
    // One reload at a time, in order: a save during a reload is applied after it.
    timer = setTimeout(() => (applying = applying.then(reload)), RELOAD_DEBOUNCE_MS);
  };
  // The folder, not the files: editors save by renaming a new file over the old one. A plain
  // fs.watch, not chokidar: output redirected to a file in this folder changes it thousands of times
  // a second, and chokidar would re-read the folder for each change.
  let watcher: FSWatcher;
  try {
    watcher = watch(manifest.dir, { persistent: false }, (_event, name) => {
      if (name === null || names.has(path.basename(name))) schedule();
    });
  } catch (error) {
    // Out of inotify watches, say: everything runs, only edits are not picked up.
    say(`cannot watch ${path.basename(manifest.file)} for edits (${(error as Error).message}); restart devsup to apply them.`);
    return { close: async () => undefined };
  }
  watcher.on('error', (error) => {
    say(`stopped watching ${path.basename(manifest.file)} for edits: ${error.message}`);
    watcher.close();
  });
  // An edit saved between loading and watching would otherwise wait for the next one.
  if ([...names].some((name) => modifiedSince(path.join(manifest.dir, name), loadedAt))) schedule();
  return {
    close: async () => {
      clearTimeout(timer);
      watcher.close();
      await applying;
    },
  };
}

function modifiedSince(file: string, time: number): boolean {
  try {
    return statSync(file).mtimeMs > time;
  } catch {
    return false;
  }
}

/** "started a; stopped b; restarted c; 2 unchanged", or "nothing to change". */
export function describeChanges(changes: ManifestChanges): string {
  const parts = [
    changes.added.length > 0 ? `started ${changes.added.join(', ')}` : '',
    changes.removed.length > 0 ? `stopped ${changes.removed.join(', ')}` : '',
    changes.restarted.length > 0 ? `restarted ${changes.restarted.join(', ')}` : '',
  ].filter(Boolean);
  if (parts.length === 0) return 'nothing to change';
  return changes.unchanged.length > 0 ? `${parts.join('; ')}; ${changes.unchanged.length} unchanged` : parts.join('; ');
}
