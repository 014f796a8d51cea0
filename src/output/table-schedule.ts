import type { Supervisor } from '../supervisor/supervisor.js';

/**
 * When `devsup up` prints its port table: once the stack has come up, then again after a port moved
 * or an edit of the manifest was applied — once what that started has settled, not as a picture of
 * services half-started. Nothing before the start-up table, which shows every earlier change anyway.
 */
export class TableSchedule {
  private startedUp = false;
  private due = false;

  constructor(
    private readonly supervisor: Supervisor,
    private readonly print: () => void,
  ) {}

  /** The start-up table; from now on, changes get tables of their own. */
  showStartupTable(): void {
    this.startedUp = true;
    this.print();
  }

  /** One table once the supervisor has settled, however many changes come before that. */
  readonly showWhenSettled = (): void => {
    if (!this.startedUp || this.due) return;
    this.due = true;
    void this.supervisor.whenSettled().then(() => {
      this.due = false;
      this.print();
    });
  };
}
