import type { Readable } from 'node:stream';
import { execa } from 'execa';

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
}

// Characters that need a shell to mean what the user wrote. A command without them is split on
// spaces and run directly, sparing a `sh -c` process per service and letting signals reach the
// real program.
const SHELL_SYNTAX = /["'`$\\|&;<>(){}*?[\]~!#\n\t]/;

/** A command string that needs no shell, split into argv; undefined when it needs one. */
export function splitPlainCommand(command: string): string[] | undefined {
  if (SHELL_SYNTAX.test(command)) return undefined;
  const words = command.trim().split(/ +/);
  // `FOO=1 node app.js` sets a variable for the command: shell syntax too.
  return words[0] && !words[0].includes('=') ? words : undefined;
}

/**
 * Starts a service's process in its own process group (so a terminal's Ctrl-C reaches devsup alone
 * and the whole group can be signalled), with exactly the given environment.
 */
export function spawnChild(command: string | string[], options: SpawnOptions): SpawnedChild {
  const argv = typeof command === 'string' ? splitPlainCommand(command) : command;
  const useShell = argv === undefined;
  const [file, ...args] = useShell ? [command as string] : argv;
  const subprocess = execa(file!, args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    shell: useShell,
    detached: true,
    cleanup: false,
    stdin: 'ignore',
    buffer: false,
    reject: false,
    stripFinalNewline: false,
  });
  // The exit of the process itself, not execa's result, which also waits for its output pipes:
  // a grandchild still holding them would hide the exit.
  const exited = new Promise<ChildExit>((resolve) => {
    subprocess.once('exit', (code, signal) => resolve({ code, signal }));
    void subprocess.then((result) => {
      if (result.failed && subprocess.pid === undefined) {
        resolve({ code: null, signal: null, spawnError: describeSpawnError(result.code, file!, options.cwd) });
      }
    });
  });
  return { pid: subprocess.pid, stdout: subprocess.stdout, stderr: subprocess.stderr, exited };
}

function describeSpawnError(code: string | undefined, file: string, cwd: string): string {
  if (code === 'ENOENT') return `command not found: ${file}`;
  if (code === 'EACCES') return `permission denied: ${file} is not executable`;
  return `could not start ${file} in ${cwd}${code ? ` (${code})` : ''}`;
}
