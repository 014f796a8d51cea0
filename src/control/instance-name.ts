import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { DevsupError, InstanceRunningError } from '../errors.js';
import { readProcOwner } from '../ports/proc-stat.js';
import { sha256 } from '../files/sha256.js';

const ATTEMPTS = 50;
const RETRY_MS = 10;
const ASK_TIMEOUT_MS = 1_000;

export interface InstanceName {
  release(): Promise<void>;
}

/**
 * One `devsup up` per manifest, kept where no file operation reaches it: on Linux an abstract Unix
 * socket named after the manifest's path — there is no file, so `git clean -fdx` or `rm -rf .devsup`
 * cannot remove it, and the kernel frees it when the instance dies, even by SIGKILL; on Windows a
 * named pipe. macOS has neither: there `.devsup/instance.lock` alone keeps the rule. Every
 * connection is answered with the holder's pid, so a second `up` can name it.
 */
export async function holdInstanceName(manifestFile: string, warn: (message: string) => void): Promise<InstanceName> {
  const address = instanceAddress(manifestFile);
  if (address === undefined) return { release: async () => undefined };
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const server = net.createServer((socket) => socket.end(`${process.pid}\n`));
    const code = await listen(server, address);
    if (code === undefined) {
      server.unref(); // the name must never keep devsup alive on its own
      return { release: () => new Promise((resolve) => server.close(() => resolve())) };
    }
    if (code !== 'EADDRINUSE') return { release: async () => undefined }; // no such names here: the lock file still holds
    const holder = await askHolder(address);
    if (holder !== undefined && !isOurs(holder)) {
      warn(
        `the name that marks the instance of ${manifestFile} is held by pid ${holder}, a process of another user; only .devsup/instance.lock keeps a second devsup up off this manifest now.`,
      );
      return { release: async () => undefined };
    }
    if (holder !== undefined) throw new InstanceRunningError(holder, manifestFile);
    await sleep(RETRY_MS); // its holder is on its way out
  }
  throw new DevsupError(
    `could not tell whether devsup already runs for ${manifestFile}: its instance name stays taken but does not answer.`,
    1,
    'Try again in a moment.',
  );
}

/** Where the name lives: abstract (Linux) or a pipe (Windows), hashed so any path fits; undefined elsewhere. */
export function instanceAddress(manifestFile: string, platform: NodeJS.Platform = process.platform): string | undefined {
  const id = sha256(manifestFile).toString('hex').slice(0, 32);
  if (platform === 'linux') return `\0devsup-instance-${id}`;
  if (platform === 'win32') return `\\\\.\\pipe\\devsup-instance-${id}`;
  return undefined;
}

function listen(server: net.Server, address: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'EUNKNOWN'));
    server.listen(address, () => resolve(undefined));
  });
}

/** The pid the holder of the name answers with, or undefined when it does not answer (it is exiting). */
function askHolder(address: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    let answer = '';
    const socket = net.connect(address);
    const finish = () => {
      socket.destroy();
      const pid = Number(answer.trim());
      resolve(Number.isInteger(pid) && pid > 0 ? pid : undefined);
    };
    socket.setTimeout(ASK_TIMEOUT_MS, finish);
    socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
    socket.once('end', finish);
    socket.once('error', finish);
  });
}

/** Whether `pid` runs as this user (Linux /proc); a name squatted by another user must not stop us. */
function isOurs(pid: number): boolean {
  if (process.platform !== 'linux' || process.getuid === undefined) return true;
  const owner = readProcOwner(pid);
  return owner === undefined || owner === process.getuid();
}
