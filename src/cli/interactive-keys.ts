import { execFileSync } from 'node:child_process';
import type { LogMultiplexer } from '../output/log-multiplexer.js';
import { readProcStat } from '../ports/proc-stat.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { KeyCommands, type KeyAction } from './key-commands.js';

export interface KeyHandlers {
  showTable(): void;
  warn(message: string): void;
  /** The stop `q` or Ctrl-C asks for: as a Ctrl-C, with its "again to kill" (stop-on-signal.ts). */
  quit(key: 'q' | 'Ctrl-C'): void;
}

/** Where the keys' words go: through the services' lines (the multiplexer), never mixed into one. */
export type KeysTerminal = Pick<LogMultiplexer, 'aside' | 'setPrompt'>;

/**
 * While `devsup up` runs on a terminal: a one-line hint, then `r` + service restarts it, `t`
 * prints the table again, `q` (or Ctrl-C, which raw mode delivers as a key) stops everything as a
 * Ctrl-C would. `stop()` gives the terminal back as it was.
 */
export function listenForKeys(
  supervisor: Supervisor,
  out: NodeJS.WriteStream,
  terminal: KeysTerminal,
  handlers: KeyHandlers,
  input: NodeJS.ReadStream = process.stdin,
): { stop(): void } {
  const keys = new KeyCommands(() => [...supervisor.runners.keys()]);
  return readKeys(
    keys,
    out,
    terminal,
    (action) => {
      switch (action.kind) {
        case 'table':
          return handlers.showTable();
        case 'quit':
          return handlers.quit(action.key);
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
 * The terminal side of the keys, for `up` and `attach`: raw mode, the hint, while choosing after
 * `r` a prompt line with what was typed kept under the services' lines (on a terminal), and every
 * other action handed to `act` (a restart after "restarting S…" is said). Off when stdin is not a
 * TTY, and in a background job (`devsup up &`), where touching the terminal would get devsup
 * stopped (SIGTTOU). `stop()` gives the terminal back as it was.
 */
export function readKeys(
  keys: KeyCommands,
  out: NodeJS.WriteStream,
  terminal: KeysTerminal,
  act: (action: Exclude<KeyAction, { kind: 'say' | 'prompt' }>) => void,
  input: NodeJS.ReadStream = process.stdin,
): { stop(): void } {
  if (!input.isTTY || typeof input.setRawMode !== 'function' || !isForegroundJob()) return { stop: () => undefined };
  const say = (text: string) => terminal.aside(() => out.write(`${text}\n`));
  const perform = (action: KeyAction): void => {
    switch (action.kind) {
      case 'say':
        return say(action.text);
      case 'prompt':
        // Into a pipe or a file, a line that keeps being erased means nothing.
        if (out.isTTY) terminal.setPrompt(action.text === undefined ? undefined : lastColumns(action.text, (out.columns || 80) - 1));
        return;
      case 'restart':
        say(`restarting ${action.service}…`);
        return act(action);
      default:
        return act(action);
    }
  };
  const onData = (chunk: string) => keys.press(chunk).forEach(perform);
  const restore = () => input.setRawMode(false);
  say(keys.hint);
  input.setRawMode(true);
  input.setEncoding('utf8');
  input.on('data', onData);
  input.resume();
  // Should devsup end abruptly, the terminal must not stay in raw mode.
  process.once('exit', restore);
  return {
    stop: () => {
      input.off('data', onData);
      terminal.setPrompt(undefined);
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

/** The end of `text` that fits in `columns` (a prompt must stay on one row: only that row is erased). */
function lastColumns(text: string, columns: number): string {
  return text.length <= columns ? text : `…${text.slice(text.length - columns + 1)}`;
}
