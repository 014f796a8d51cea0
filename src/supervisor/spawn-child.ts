import { Readable } from 'node:stream';
import { spawn, type ChildProcess } from 'node:child_process';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (e.g. `command not found`). */
  spawnError?: string;
}

export interface SpawnedChild {
  pid: number | undefined;
  stdout: Readable;
  stderr: Readable;
  exited: Promise<ChildExit>;
}

export interface SpawnOptions {
  cwd: string;
  env: Record<string, string>;
  /** A listening socket to hand over as fd 3, systemd style (`socket: true`, Unix only). */
  listenFd?: number;
  /** `LISTEN_FDNAMES`: the service's key. */
  listenName?: string;
}

// Characters that need a shell to mean what the user wrote. A command without them is split on
// spaces and run directly, sparing a `sh -c` process per service and letting signals reach the
// real program.
const SHELL_SYNTAX = /["'`$\\|&;<>(){}*?[\]~!#\n\t]/;

/**
 * A command string that needs no shell, split into argv; undefined when it needs one. On Windows
 * every string needs cmd.exe, as foreman's and concurrently's do: `npm`, `npx` and `yarn` are .cmd
 * scripts there, which Node will not start without a shell.
 */
export function splitPlainCommand(command: string, platform: NodeJS.Platform = process.platform): string[] | undefined {
  if (platform === 'win32' || SHELL_SYNTAX.test(command)) return undefined;
  const words = command.trim().split(/ +/);
  // `FOO=1 node app.js` sets a variable for the command: shell syntax too.
  return words[0] && !words[0].includes('=') ? words : undefined;
}

/**
 * Starts a service's process in its own process group (so a terminal's Ctrl-C reaches devsup alone
 * and the whole group can be signalled), with exactly the given environment.
 *
 * Node's own `spawn`, not execa: this is the start-up path of every service, and importing execa
 * costs ~50 ms of devsup's start (measured), for options we would not use here.
 */
export function spawnChild(command: string | string[], options: SpawnOptions): SpawnedChild {
  const argv = typeof command === 'string' ? splitPlainCommand(command) : command;
  const useShell = argv === undefined;
  const [file, ...args] = options.listenFd === undefined ? (useShell ? [command as string] : argv) : socketActivated(command, argv);
  let child: ChildProcess;
  try {
    child = spawn(file!, args, {
      cwd: options.cwd,
      env: options.listenFd === undefined ? options.env : { ...options.env, LISTEN_FDS: '1', LISTEN_FDNAMES: options.listenName ?? 'socket' },
      shell: useShell && options.listenFd === undefined,
      detached: true,
      windowsHide: true,
      stdio: ['ignore', 'pipe', 'pipe', ...(options.listenFd === undefined ? [] : [options.listenFd])],
    });
  } catch (error) {
    // Some failures (E2BIG) are thrown rather than emitted: the same "not started" all the same.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    const spawnError = describeSpawnError(code, file!, options.cwd);
    return {
      pid: undefined,
      stdout: Readable.from([]),
      stderr: Readable.from([]),
      exited: Promise.resolve({ code: null, signal: null, spawnError }),
    };
  }
  // The exit of the process itself ('exit', not 'close'): a grandchild still holding the output
  // pipes would otherwise hide it.
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (child.pid === undefined) resolve({ code: null, signal: null, spawnError: describeSpawnError(error.code, file!, options.cwd) });
    });
  });
  return { pid: child.pid, stdout: child.stdout!, stderr: child.stderr!, exited };
}

/**
 * The argv that starts `command` with `LISTEN_PID` set to its own pid, as sd_listen_fds(3) checks:
 * a shell sets it to `$$` and then execs the program, which keeps that pid. A command that needs a
 * shell runs in a second one, exec'd too; whether its program keeps the pid is up to that shell.
 */
function socketActivated(command: string | string[], argv: string[] | undefined): string[] {
  const wrapper = ['/bin/sh', '-c', 'LISTEN_PID=$$; export LISTEN_PID; exec "$@"', 'devsup-socket'];
  return argv === undefined ? [...wrapper, '/bin/sh', '-c', command as string] : [...wrapper, ...argv];
}

function describeSpawnError(code: string | undefined, file: string, cwd: string): string {
  if (code === 'ENOENT') return `command not found: ${file}`;
  if (code === 'EACCES') return `permission denied: ${file} is not executable`;
  if (code === 'E2BIG')
    return 'its command and environment are more than the OS lets a new process have: put large values in a file and pass its path';
  return `could not start ${file} in ${cwd}${code ? ` (${code})` : ''}`;
}
