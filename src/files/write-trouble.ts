import { RefusedFileError, reasonOf, shownPath } from './safe-files.js';

/**
 * Failed writes of files devsup keeps (state, logs, leases), said once per file and once more
 * when that file is written again: a full disk costs a few lines on stderr, never a crash or a
 * flood. `consequence` says what the failure means and what devsup does meanwhile.
 */
export class WriteTrouble {
  private readonly failing = new Set<string>();

  constructor(private readonly warn: (message: string) => void) {}

  failed(file: string, error: unknown, consequence: string): void {
    if (this.failing.has(file)) return;
    this.failing.add(file);
    this.warn(
      error instanceof RefusedFileError
        ? `not writing ${shownPath(file)}: ${error.problem}; remove it.`
        : `could not write ${shownPath(file)}: ${reasonOf(error)}; ${consequence}.`,
    );
  }

  /** `note`: what the failure cost, said with the recovery ("; 1200 bytes of output were lost"). */
  worked(file: string, note = ''): void {
    if (this.failing.delete(file)) this.warn(`writing ${shownPath(file)} again${note}.`);
  }

  isFailing(file: string): boolean {
    return this.failing.has(file);
  }

  /** Runs `write`; false (and said once) when it failed. */
  attempt(file: string, write: () => void, consequence: string): boolean {
    try {
      write();
    } catch (error) {
      this.failed(file, error, consequence);
      return false;
    }
    this.worked(file);
    return true;
  }
}
