import { spawn, type ChildProcess } from 'node:child_process';
import { ownStartTime } from '../ports/process-identity.js';

/**
 * The watchdog's whole program, in POSIX sh (a Node process would cost ~40 MB for this): it keeps
 * the list of process groups devsup tells it about (`+PGID`, `-PGID` lines on stdin) and, once its
 * stdin closes without a final `=` line — devsup is gone, even by SIGKILL — sends them SIGTERM, then
 * SIGKILL a second later. The processes that left those groups are found by devsup's mark in their
 * environment (Linux /proc: DEVSUP_INSTANCE=$1, started no earlier than devsup's start time $2) and
 * get the same. It ignores the terminal's Ctrl-C and hang-up: those are devsup's to handle. The
 * first line names it in `ps`.
 */
const WATCHDOG_SCRIPT = `: devsup-watchdog
trap '' INT HUP
set -f
instance=$1 since=$2
groups=' '
while IFS= read -r line; do
  case $line in
    +*) groups="$groups\${line#+} " ;;
    -*) kept=' '; for g in $groups; do [ "$g" = "\${line#-}" ] || kept="$kept$g "; done; groups=$kept ;;
    =) exit 0 ;;
  esac
done
signal_marked() {
  sig=$1
  [ -n "$since" ] || return 0
  set +f
  files=$(grep -lxzF "DEVSUP_INSTANCE=$instance" /proc/[0-9]*/environ 2>/dev/null)
  set -f
  for f in $files; do
    p=\${f#/proc/}; p=\${p%/environ}
    stat=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    set -- \${stat##*) }
    shift 19
    [ "\${1:-0}" -ge "$since" ] 2>/dev/null && kill -s "$sig" "$p" 2>/dev/null
  done
}
for g in $groups; do kill -s TERM -- "-$g" 2>/dev/null; done
signal_marked TERM
sleep 1
for g in $groups; do kill -s KILL -- "-$g" 2>/dev/null; done
signal_marked KILL
`;

/** Tracks the process groups of the services, so they die with devsup. */
export interface Watchdog {
  watch(pgid: number): void;
  unwatch(pgid: number): void;
  /** After a clean stop: nothing is left to kill, and the watchdog exits without looking. */
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
    child = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'devsup-watchdog', String(process.pid), ownStartTime() ?? ''], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
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
    close: () => stdin.end('=\n'),
  };
}
