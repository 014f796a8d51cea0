import { messageOf } from '../errors.js';
import { statSync } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import type { ServiceSpec } from '../manifest/service-spec.js';
import type { Supervisor } from './supervisor.js';

/** One restart for a burst of saves: an editor's save, a formatter and a build step land within this. */
export const WATCH_DEBOUNCE_MS = 150;
/** Never worth a restart, whatever the globs say. */
const ALWAYS_IGNORED = ['**/node_modules/**', '**/.git/**', '**/.devsup/**'];

export interface ChangeWatcher {
  close(): Promise<void>;
}

/**
 * Restarts each service with `watch` globs once a burst of changes to its files is over — and with
 * `watch_cascade: true`, the services that depend on it too. Such a restart is not a crash and
 * skips the backoff. chokidar is loaded only when some service watches files. Resolves once the
 * watchers are ready.
 */
export async function restartOnChange(
  supervisor: Supervisor,
  services: ServiceSpec[],
  say: (service: string, text: string) => void,
): Promise<ChangeWatcher> {
  const watching = services.filter((service) => service.watch.length > 0);
  if (watching.length === 0) return { close: async () => undefined };
  const { watch } = await import('chokidar');
  const watchers = watching.map((service) => {
    const matches = matcher(service.watch);
    const ignored = matcher([...ALWAYS_IGNORED, ...service.watchIgnore]);
    const relative = (file: string) => path.relative(service.cwd, file).split(path.sep).join('/');
    let timer: NodeJS.Timeout | undefined;
    let changed: string[] = [];
    let created = new Set<string>(); // files added since the last restart
    let included = new Map<string, string | undefined>(); // files the last restart found created → their stat then
    const watcher = watch(baseFolders(service), {
      ignoreInitial: true,
      ignored: (file) => ignored(relative(file)),
    });
    watcher.on('all', (event, file) => {
      const name = relative(file);
      if (!matches(name) || (event === 'change' && included.has(file) && included.get(file) === statOf(file))) return;
      changed.push(name);
      if (event === 'add') created.add(file);
      clearTimeout(timer);
      timer = setTimeout(() => {
        const files = [...new Set(changed)];
        changed = [];
        included = new Map([...created].map((file) => [file, statOf(file)]));
        created = new Set();
        say(service.key, `${files.length === 1 ? files[0] : `${files[0]} and ${files.length - 1} more`} changed: restarting`);
        const restarting = supervisor.restartServices([service.key, ...(service.watchCascade ? dependentsOf(services, service.key) : [])]);
        restarting.catch((error: unknown) => say(service.key, `could not restart: ${messageOf(error)}`));
      }, WATCH_DEBOUNCE_MS);
    });
    return { watcher, stop: () => clearTimeout(timer) };
  });
  // Once chokidar has scanned the folders, every later change is seen.
  await Promise.all(watchers.map(({ watcher }) => new Promise<void>((resolve) => watcher.once('ready', () => resolve()))));
  return {
    close: async () => {
      for (const { stop } of watchers) stop();
      await Promise.all(watchers.map(({ watcher }) => watcher.close()));
    },
  };
}

/**
 * Size and mtime, to tell a late event from a new save: on a busy machine a new file's `add` and the
 * `change` of its first write can arrive more than a debounce apart, and the restart that followed the
 * `add` already saw the written file. Compared with the file as it was, not with the clock, which a
 * network folder may not share. undefined when the file is gone (that is a change).
 */
function statOf(file: string): string | undefined {
  try {
    const stats = statSync(file);
    return `${stats.size}:${stats.mtimeMs}`;
  } catch {
    return undefined;
  }
}

/** A glob list as one predicate on paths relative to the service's folder; a plain folder name covers what is inside it. */
function matcher(globs: string[]): (file: string) => boolean {
  const patterns = globs.flatMap((glob) => (picomatch.scan(glob).isGlob ? [glob] : [glob, `${glob.replace(/\/$/, '')}/**`]));
  return picomatch(patterns, { dot: true });
}

/** The folders to watch: the fixed part of each glob (`src` of `src/**\/*.ts`), inside the service's folder. */
function baseFolders(service: ServiceSpec): string[] {
  return [...new Set(service.watch.map((glob) => path.resolve(service.cwd, picomatch.scan(glob).base || '.')))];
}

/** Every service that depends on `key`, directly or through others. */
function dependentsOf(services: ServiceSpec[], key: string): string[] {
  const found = new Set<string>();
  const visit = (target: string) => {
    for (const service of services) {
      if (!found.has(service.key) && service.dependsOn.some((dependency) => dependency.service === target)) {
        found.add(service.key);
        visit(service.key);
      }
    }
  };
  visit(key);
  return [...found];
}
