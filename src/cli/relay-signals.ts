import type { ChildProcess } from 'node:child_process';
import { readProcStat } from '../ports/proc-stat.js';

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * The signals that would end `devsup run` or the wait of `up -d` (Ctrl-C, SIGTERM, SIGHUP) do not:
 * the first aborts `signal`, so a wait for a start-up stops (and `run` stops what it started);
 * while a command runs, each is passed on to it, and devsup waits for it, to return its exit code.
 * A SIGINT that reaches devsup as the terminal's foreground job came from Ctrl-C, which the
 * terminal sends to the whole job, command included: it is not sent again, since to many tools a
 * second Ctrl-C means "quit now".
 */
export class SignalRelay {
  private readonly aborter = new AbortController();
  readonly signal = this.aborter.signal;
  private command: ChildProcess | undefined;

  constructor() {
    for (const name of SIGNALS) process.on(name, this.onSignal);
  }

  /** From now on, signals go on to `command` (run in devsup's own process group). */
  relayTo(command: ChildProcess): void {
    this.command = command;
  }

  close(): void {
    for (const name of SIGNALS) process.off(name, this.onSignal);
  }

  private readonly onSignal = (name: NodeJS.Signals): void => {
    this.aborter.abort(name);
    const command = this.command;
    if (!command || command.exitCode !== null || command.signalCode !== null) return;
    if (name === 'SIGINT' && isTerminalForegroundJob()) return;
    command.kill(name);
  };
}

/** Linux /proc: this process group is its terminal's foreground group. Elsewhere false: a signal is passed on. */
function isTerminalForegroundJob(): boolean {
  const stat = readProcStat('self');
  return stat !== undefined && stat.tpgid > 0 && stat.tpgid === stat.pgid;
}
