import { execFileSync } from 'node:child_process';
import { readProcStat } from '../ports/proc-stat.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { KeyCommands, KEYS_HINT, type KeyAction } from './key-commands.js';

export interface KeyHandlers {
  showTable(): void;
  warn(message: string): void;
}

/**
 * While `devsup up` runs on a terminal: a one-line hint, then `r` + service restarts it, `t`
 * prints the table again, `q` (or Ctrl-C, which raw mode delivers as a key) stops everything as a
 * Ctrl-C would. Off when stdin is not a TTY, and in a background job (`devsup up &`), where
 * touching the terminal would get devsup stopped (SIGTTOU). `stop()` gives the terminal back as it was.
 */
export function listenForKeys(
  supervisor: Supervisor,
  out: NodeJS.WritableStream,
  handlers: KeyHandlers,
  input: NodeJS.ReadStream = process.stdin,
): { stop(): void } {
  if (!input.isTTY || typeof input.setRawMode !== 'function' || !isForegroundJob()) return { stop: () => undefined };
  const keys = new KeyCommands(() => [...supervisor.runners.keys()]);
  const act = (action: KeyAction): void => {
    switch (action.kind) {
      case 'say':
        out.write(`\n${action.text}\n`);
        return;
      case 'echo':
        out.write(action.text);
        return;
      case 'table':
        return handlers.showTable();
      case 'quit':
        // The same path as a real Ctrl-C: stop-on-signal's handler, with its "again to kill".
        process.emit('SIGINT', 'SIGINT');
        return;
      case 'restart':
        out.write(`\nrestarting ${action.service}…\n`);
        void supervisor
          .restartService(action.service)
          .catch((error: Error) => handlers.warn(`could not restart ${action.service}: ${error.message}`));
        return;
    }
  };
  const onData = (chunk: string) => keys.press(chunk).forEach(act);
  const restore = () => input.setRawMode(false);
  out.write(`${KEYS_HINT}\n`);
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
