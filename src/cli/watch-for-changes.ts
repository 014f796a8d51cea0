import type { LoadManifestOptions } from '../manifest/load-manifest.js';
import { loadManifest } from '../manifest/load-manifest.js';
import { reloadOnManifestChange } from '../supervisor/reload-manifest.js';
import { restartOnChange, type ChangeWatcher } from '../supervisor/restart-on-change.js';
import type { Supervisor } from '../supervisor/supervisor.js';

export interface ChangeHandlers {
  /** A line in a service's log stream. */
  note(service: string, text: string): void;
  /** devsup's own message, on stderr. */
  warn(message: string): void;
  /** After a manifest edit was applied: time for the table again. */
  applied(): void;
}

/**
 * Everything `up` does about edits while it runs: services' `watch` globs restart them, and the
 * manifest itself is reloaded and applied. A manifest edit can change the globs, so the file
 * watchers are made again after each one. Resolves once all watchers are ready.
 */
export async function watchForChanges(
  supervisor: Supervisor,
  loadOptions: LoadManifestOptions,
  loadedAt: number,
  handlers: ChangeHandlers,
): Promise<{ close(): Promise<void> }> {
  let files: ChangeWatcher = await restartOnChange(supervisor, supervisor.selectedServices(), handlers.note);
  const manifest = await reloadOnManifestChange(
    supervisor,
    () => loadManifest(loadOptions),
    loadedAt,
    handlers.warn,
    async () => {
      await files.close();
      files = await restartOnChange(supervisor, supervisor.selectedServices(), handlers.note);
      handlers.applied();
    },
  );
  return {
    close: async () => {
      await manifest.close();
      await files.close();
    },
  };
}
