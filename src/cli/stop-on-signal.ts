import { messageOf } from '../errors.js';
import type { Supervisor } from '../supervisor/supervisor.js';

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export interface StopOnSignal {
  /** A key on the terminal that asks for the stop (raw mode turns Ctrl-C into a key too): said as such, counted as a signal is. */
  request(key: 'q' | 'Ctrl-C'): void;
  /** Removes the signal handlers. */
  remove(): void;
}

/**
 * Ctrl-C, SIGTERM or SIGHUP stops every service cleanly (stop_signal, grace, then the tree is
 * killed); a second one kills every tree at once. `request` does the same for a key, saying which.
 */
export function stopAllOnSignal(supervisor: Supervisor, warn: (message: string) => void): StopOnSignal {
  let received = 0;
  const stop = (by: string) => {
    received += 1;
    if (received === 1) {
      const again = by === 'q' ? 'q or Ctrl-C again' : 'again';
      warn(`${by}: stopping every service (${again} to kill them at once)…`);
      void supervisor.shutdown(); // never rejects: a service it cannot stop is said, and `done` still ends
    } else {
      warn('killing every service now.');
      supervisor.killAll().catch((error: unknown) => warn(`could not kill every service: ${messageOf(error)}`));
    }
  };
  const onSignal = (signal: NodeJS.Signals) => stop(signal === 'SIGINT' ? 'Ctrl-C' : signal);
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return {
    request: stop,
    remove: () => {
      for (const signal of SIGNALS) process.off(signal, onSignal);
    },
  };
}
