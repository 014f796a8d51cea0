import { execFileSync } from 'node:child_process';
import { readProcStat } from '../ports/proc-stat.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { KeyCommands, type KeyAction } from './key-commands.js';

export interface KeyHandlers {
  showTable(): void;
  warn(message: string): void;
}

/**
 * While `devsup up` runs on a terminal: a one-line hint, then `r` + service restarts it, `t`
 * prints the table again, `q` (or Ctrl-C, which raw mode delivers as a key) stops everything as a
 * Ctrl-C would. `stop()` gives the terminal back as it was.
 */
export function listenForKeys(
  supervisor: Supervisor,
  out: NodeJS.WritableStream,
  handlers: KeyHandlers,
  input: NodeJS.ReadStream = process.stdin,
): { stop(): void } {
  const keys = new KeyCommands(() => [...supervisor.runners.keys()]);
  return readKeys(
    keys,
    out,
    (action) => {
      switch (action.kind) {
        case 'table':
          return handlers.showTable();
        case 'quit':
          // The same path as a real Ctrl-C: stop-on-signal's handler, with its "again to kill".
          process.emit('SIGINT', 'SIGINT');
          return;
        case 'restart':
          void supervisor
            .restartService(action.service)
            .catch((error: Error) => handlers.warn(`could not restart ${action.service}: ${error.message}`));
          return;
        case 'detach':
          return; // `up` has no other terminal to leave for
      }
    },
    input,
  );
}

/**
 * The terminal side of the keys, for `up` and `attach`: raw mode, the hint, what is typed after
 * `r` echoed, and every other action handed to `act` (a restart after "restarting S…" is said).
 * Off when stdin is not a TTY, and in a background job (`devsup up &`), where touching the
 * terminal would get devsup stopped (SIGTTOU). `stop()` gives the terminal back as it was.
 */
export function readKeys(
  keys: KeyCommands,
  out: NodeJS.WritableStream,
  act: (action: Exclude<KeyAction, { kind: 'say' | 'echo' }>) => void,
  input: NodeJS.ReadStream = process.stdin,
): { stop(): void } {
  if (!input.isTTY || typeof input.setRawMode !== 'function' || !isForegroundJob()) return { stop: () => undefined };
  const perform = (action: KeyAction): void => {
    switch (action.kind) {
      case 'say':
        out.write(`\n${action.text}\n`);
        return;
      case 'echo':
        out.write(action.text);
        return;
      case 'restart':
        out.write(`\nrestarting ${action.service}…\n`);
        return act(action);
      default:
        return act(action);
    }
  };
  const onData = (chunk: string) => keys.press(chunk).forEach(perform);
  const restore = () => input.setRawMode(false);
  out.write(`${keys.hint}\n`);
  input.setRawMode(true);
  input.setEncoding('utf8');
  input.on('data', onData);
  input.resume();
  // Should devsup end abruptly, the terminal must not stay in raw mode.
  process.once('exit', restore);
  return {
    stop: () => {
      input.off('data', onData);
      restore();
      input.pause();
      process.off('exit', restore);
    },
  };
}

/** Whether devsup's process group is the terminal's foreground group (Linux: /proc; macOS: ps; Windows has no jobs). */
function isForegroundJob(): boolean {
  if (process.platform === 'win32') return true;
  const stat = readProcStat('self');
  if (stat) return stat.pgid === stat.tpgid;
  try {
    const [pgid, tpgid] = execFileSync('ps', ['-o', 'pgid=,tpgid=', '-p', String(process.pid)], { encoding: 'utf8' })
      .trim()
      .split(/\s+/);
    return pgid !== undefined && pgid === tpgid;
  } catch {
    return false;
  }
}
