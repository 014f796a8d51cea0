import { messageOf } from '../errors.js';

/**
 * What `up` must undo, in the reverse order it was set up, however `up` ends: after Ctrl-C, after
 * the last service finished, or when a step of start-up threw. A step that fails is said and the
 * others still run, so a lease or a lock is never left behind because something before it failed.
 */
export class Teardown {
  private readonly steps: { what: string; undo: () => unknown }[] = [];

  /** `what` completes "could not …" should the step fail. */
  add(what: string, undo: () => unknown): void {
    this.steps.push({ what, undo });
  }

  async run(warn: (message: string) => void): Promise<void> {
    for (const { what, undo } of this.steps.splice(0).reverse()) {
      try {
        await undo();
      } catch (error) {
        warn(`could not ${what}: ${messageOf(error)}`);
      }
    }
  }
}
