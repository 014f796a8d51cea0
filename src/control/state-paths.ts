import path from 'node:path';

export const STATE_FOLDER = '.devsup';

/**
 * `.devsup/` beside the manifest. A module of its own, so a client finds the folder (and the
 * socket in it) without loading the code that reads and writes the state files.
 */
export function stateFolderOf(manifestDir: string): string {
  return path.join(manifestDir, STATE_FOLDER);
}
