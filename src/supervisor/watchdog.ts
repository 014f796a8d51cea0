import { spawn, type ChildProcess } from 'node:child_process';

/**
 * The watchdog's whole program, in POSIX sh (a Node process would cost ~40 MB for this): it keeps
 * the list of process groups devsup tells it about (`+PGID`, `-PGID` lines on stdin) and, once its
 * stdin closes — devsup is gone, even by SIGKILL — sends them SIGTERM, then SIGKILL a second later.
 * It ignores the terminal's Ctrl-C and hang-up: those are devsup's to handle. The first line names
 * it in `ps`.
 */
const WATCHDOG_SCRIPT = `: devsup-watchdog
trap '' INT HUP
set -f
groups=' '
while IFS= read -r line; do
  case $line in
    +*) groups="$groups\${line#+} " ;;
    -*) kept=' '; for g in $groups; do [ "$g" = "\${line#-}" ] || kept="$kept$g "; done; groups=$kept ;;
  esac
done
[ "$groups" = ' ' ] && exit 0
for g in $groups; do kill -s TERM -- "-$g" 2>/dev/null; done
sleep 1
for g in $groups; do kill -s KILL -- "-$g" 2>/dev/null; done
`;

/** Tracks the process groups of the services, so they die with devsup. */
export interface Watchdog {
  watch(pgid: number): void;
  unwatch(pgid: number): void;
  /** After a clean stop: nothing is left to kill, and the watchdog exits. */
  close(): void;
}

/**
 * Starts the watchdog (Unix; on Windows devsup's children cannot be tied to it this way, and the
 * next `devsup up` stops what a killed instance left behind). It runs detached and unreferenced,
 * so it neither receives the terminal's signals nor keeps devsup alive.
 */
export function startWatchdog(): Watchdog | undefined {
  if (process.platform === 'win32') return undefined;
  let child: ChildProcess;
  try {
    child = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  } catch {
    return undefined;
  }
  const stdin = child.stdin!;
  // A watchdog that failed or died must not take devsup down with EPIPE.
  stdin.on('error', () => undefined);
  child.on('error', () => undefined);
  child.unref();
  (stdin as unknown as { unref?: () => void }).unref?.();
  const send = (line: string) => {
    if (stdin.writable) stdin.write(`${line}\n`);
  };
  return {
    watch: (pgid) => send(`+${pgid}`),
    unwatch: (pgid) => send(`-${pgid}`),
    close: () => stdin.end(),
  };
}
