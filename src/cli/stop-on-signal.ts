import { messageOf } from '../errors.js';
import type { Supervisor } from '../supervisor/supervisor.js';

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Ctrl-C, SIGTERM or SIGHUP stops every service cleanly (stop_signal, grace, then the tree is
 * killed); a second one kills every tree at once. Returns a function that removes the handlers.
 */
export function stopAllOnSignal(supervisor: Supervisor, warn: (message: string) => void): () => void {
  let received = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    received += 1;
    if (received === 1) {
      warn(`${signal === 'SIGINT' ? 'Ctrl-C' : signal}: stopping every service (again to kill them at once)…`);
      void supervisor.shutdown(); // never rejects: a service it cannot stop is said, and `done` still ends
    } else {
      warn('killing every service now.');
      supervisor.killAll().catch((error: unknown) => warn(`could not kill every service: ${messageOf(error)}`));
    }
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return () => {
    for (const signal of SIGNALS) process.off(signal, onSignal);
  };
}
