import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, constants, fstatSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DevsupError, messageOf } from '../errors.js';
import { ensureStateFolder } from '../control/state-folder.js';
import { openRegularFile, readRegularFile, reasonOf, shownPath, writeFully } from '../files/safe-files.js';
import { logsFolderOf } from '../output/log-files.js';

/** devsup's own messages in the background, beside the services' logs. */
export const DEVSUP_LOG = 'devsup.log';
/** At a launch, a longer devsup.log becomes devsup.log.1 (replacing the previous one): it never grows without bound. */
const DEVSUP_LOG_MAX_BYTES = 1024 * 1024;
/** How much of devsup.log is shown when the instance ended during start-up: its error is at the end. */
const MESSAGE_LINES = 20;

/** The `devsup up` running in the background, as the terminal that launched it sees it. */
export interface BackgroundInstance {
  pid: number;
  /** devsup.log, where it writes its own messages. */
  logFile: string;
  /** Resolves with its exit code (128 + n after signal n) once it ends; pending while it runs. */
  exited: Promise<number>;
  /** `exited`, keeping this process alive meanwhile (the instance alone does not: it is unref'd). */
  awaitExit(): Promise<number>;
  /** The same, or undefined when it still runs after `withinMs`. */
  awaitExit(withinMs: number): Promise<number | undefined>;
  /** The last lines it has written to devsup.log since this launch: its error, should it end during start-up. */
  messages(): string;
}

/**
 * Starts `devsup up --detached-child ARGS…` — the ordinary `up` flow — in a session of its own
 * (setsid): the terminal closing, the shell's SIGHUP or its exit do not reach it. Its stdin is
 * /dev/null; its stdout and stderr are `.devsup/logs/devsup.log`, opened without following a link.
 * The caller validated the manifest first: nothing is made before that.
 */
export async function launchInBackground(
  manifestDir: string,
  upArgs: string[],
  io: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<BackgroundInstance> {
  const logFile = path.join(logsFolderOf(ensureStateFolder(manifestDir)), DEVSUP_LOG);
  const fd = openDevsupLog(logFile);
  let start: number;
  let child: ChildProcess;
  try {
    writeFully(fd, Buffer.from(`--- devsup up -d, ${new Date().toISOString()}${os.EOL}`));
    start = fstatSync(fd).size;
    // This very script (dist/bin/devsup.cjs), with the options node itself was given.
    child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, 'up', '--detached-child', ...upArgs], {
      cwd: io.cwd,
      env: io.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    await once(child, 'spawn').catch((error: unknown) => {
      throw new DevsupError(`could not start devsup in the background: ${messageOf(error)}.`, 1);
    });
  } finally {
    closeSync(fd); // the child has its own copy
  }
  child.unref(); // the terminal's devsup may exit while it runs
  const exited = new Promise<number>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0))),
  );
  function awaitExit(): Promise<number>;
  function awaitExit(withinMs: number): Promise<number | undefined>;
  async function awaitExit(withinMs?: number): Promise<number | undefined> {
    child.ref();
    const timer = new AbortController();
    const stillRuns = withinMs === undefined ? [] : [sleep(withinMs, undefined, { signal: timer.signal }).catch(() => undefined)];
    try {
      return await Promise.race([exited, ...stillRuns]);
    } finally {
      timer.abort();
      child.unref();
    }
  }
  return {
    pid: child.pid!,
    logFile,
    exited,
    awaitExit,
    messages: () => lastLines(readRegularFile(logFile)?.subarray(start).toString('utf8') ?? '', MESSAGE_LINES),
  };
}

/** devsup.log for appending (0600), never through a link; a long one is moved to devsup.log.1 first. */
function openDevsupLog(file: string): number {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND;
  try {
    let fd = openRegularFile(file, flags, { mine: true });
    if (fstatSync(fd).size > DEVSUP_LOG_MAX_BYTES) {
      closeSync(fd);
      renameSync(file, `${file}.1`); // a rename replaces a link at the new name; it never writes through one
      fd = openRegularFile(file, flags, { mine: true });
    }
    return fd;
  } catch (error) {
    throw new DevsupError(
      `cannot write ${shownPath(file)}: ${reasonOf(error)}.`,
      1,
      'devsup writes its own messages there when it runs in the background.',
    );
  }
}

/** The last `count` lines of a text, each ending in a newline. */
function lastLines(text: string, count: number): string {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.length === 0 ? '' : `${lines.slice(-count).join('\n')}\n`;
}
