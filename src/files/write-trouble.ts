import { RefusedFileError, reasonOf, shownPath } from './safe-files.js';

/**
 * Failed writes of files devsup keeps (state, logs, leases), said once per file and once more
 * when that file is written again: a full disk costs a few lines on stderr, never a crash or a
 * flood. `consequence` says what the failure means and what devsup does meanwhile.
 */
export class WriteTrouble {
  private readonly failing = new Set<string>();

  constructor(private readonly warn: (message: string) => void) {}

  /** `label`: what to call the file in the message, when not its path ("lease files in /tmp/x"). */
  failed(file: string, error: unknown, consequence: string, label = shownPath(file)): void {
    if (this.failing.has(file)) return;
    this.failing.add(file);
    this.warn(
      error instanceof RefusedFileError
        ? `not writing ${label}: ${error.problem}; remove it.`
        : `could not write ${label}: ${reasonOf(error)}; ${consequence}.`,
    );
  }

  /** `note`: what the failure cost, said with the recovery (" (1200 bytes of its output could not be written…)"). */
  worked(file: string, note = '', label = shownPath(file)): void {
    if (this.failing.delete(file)) this.warn(`writing ${label} again${note}.`);
  }

  /** Runs `write`; false (and said once) when it failed. */
  async attempt(file: string, write: () => Promise<void>, consequence: string): Promise<boolean> {
    try {
      await write();
    } catch (error) {
      this.failed(file, error, consequence);
      return false;
    }
    this.worked(file);
    return true;
  }
}
