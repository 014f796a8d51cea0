import { statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { DevsupError, messageOf } from '../errors.js';
import { LOCAL_MANIFEST } from '../manifest/find-manifest.js';
import type { Manifest } from '../manifest/service-spec.js';
import type { ManifestChanges } from './manifest-diff.js';
import type { Supervisor } from './supervisor.js';

/** Editors save in bursts (write, rename, chmod): one reload for all of it. */
const RELOAD_DEBOUNCE_MS = 200;

export interface ManifestWatcher {
  close(): Promise<void>;
}

/**
 * While `up` runs, an edit to the manifest, services.local.yaml or an env file it reads is loaded again: an invalid
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
  let timer: NodeJS.Timeout | undefined;
  let applying = Promise.resolve();
  const changed = new Set<string>(); // names of the edited files, for the message
  const folders = new FolderWatchers(schedule, say);
  const reload = async () => {
    const edited = changed.size > 0 ? [...changed].join(', ') : path.basename(manifest.file);
    changed.clear();
    let next: Manifest;
    try {
      next = await load();
    } catch (error) {
      if (!(error instanceof DevsupError)) throw error;
      say(`${edited} changed, but cannot be used; everything keeps running as it was:\n${error.message}`);
      return;
    }
    const changes = await supervisor.applyManifest(next);
    say(`${edited} reloaded: ${describeChanges(changes)}`);
    folders.watch(filesOf(next)); // the edit may have named other env files
    await onApplied(changes);
  };
  function schedule(file?: string) {
    if (file !== undefined) changed.add(path.basename(file));
    clearTimeout(timer);
    // One reload at a time, in order: a save during a reload is applied after it. A reload that
    // fails is said, and the chain goes on: the next save is applied all the same.
    timer = setTimeout(() => {
      applying = applying
        .then(reload)
        .catch((error: unknown) => say(`an edit could not be applied, and devsup runs on as it was: ${messageOf(error)}`));
    }, RELOAD_DEBOUNCE_MS);
  }
  folders.watch(filesOf(manifest));
  // An edit saved between loading and watching would otherwise wait for the next one.
  for (const file of filesOf(manifest)) if (modifiedSince(file, loadedAt)) schedule(file);
  return {
    close: async () => {
      clearTimeout(timer);
      folders.close();
      await applying;
    },
  };
}

/** The files whose edits reload the manifest: itself, the manifests it includes, services.local.yaml, and every env file it reads. */
function filesOf(manifest: Manifest): string[] {
  return [...new Set([...manifest.sources, path.join(manifest.dir, LOCAL_MANIFEST), ...manifest.envFiles])];
}

/**
 * One plain fs.watch per folder that holds a watched file, filtered by name. The folder, not the file:
 * editors save by renaming a new file over the old one. Not chokidar: output redirected to a file in the
 * same folder changes it thousands of times a second, and chokidar would re-read the folder each time.
 */
class FolderWatchers {
  private readonly folders = new Map<string, { names: Set<string>; watcher: FSWatcher }>();
  /** Closed for good: a reload that finishes after `close` must not start watching again. */
  private closed = false;

  constructor(
    private readonly onChange: (file?: string) => void,
    private readonly say: (message: string) => void,
  ) {}

  /** Watches exactly `files` from now on. */
  watch(files: string[]): void {
    if (this.closed) return;
    const wanted = new Map<string, Set<string>>();
    for (const file of files) {
      const folder = path.dirname(file);
      const names = wanted.get(folder) ?? new Set<string>();
      wanted.set(folder, names.add(path.basename(file)));
    }
    for (const [folder, entry] of this.folders) {
      if (wanted.has(folder)) continue;
      entry.watcher.close();
      this.folders.delete(folder);
    }
    for (const [folder, names] of wanted) {
      const entry = this.folders.get(folder);
      if (entry) entry.names = names;
      else this.start(folder, names);
    }
  }

  close(): void {
    this.closed = true;
    for (const { watcher } of this.folders.values()) watcher.close();
    this.folders.clear();
  }

  private start(folder: string, names: Set<string>): void {
    let watcher: FSWatcher;
    try {
      watcher = watch(folder, { persistent: false }, (_event, name) => {
        if (name === null)
          this.onChange(); // this platform does not say which file: check them all
        else if (this.folders.get(folder)?.names.has(path.basename(name))) this.onChange(name);
      });
    } catch (error) {
      // A missing folder, or no inotify watches left: everything runs, only these edits go unseen.
      this.say(`cannot watch ${folder} for edits to ${[...names].join(', ')} (${(error as Error).message}); restart devsup to apply them.`);
      return;
    }
    watcher.on('error', (error) => {
      this.say(`stopped watching ${folder} for edits: ${error.message}`);
      watcher.close();
      this.folders.delete(folder);
    });
    this.folders.set(folder, { names, watcher });
  }
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
