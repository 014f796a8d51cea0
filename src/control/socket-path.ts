import { lstatSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DevsupError } from '../errors.js';
import { sha256 } from '../files/sha256.js';

export const SOCKET_NAME = 'control.sock';

/** The longest socket path the OS takes, terminating NUL excluded (sun_path is 104 bytes on macOS and the BSDs, 108 on Linux). */
export function maxSocketPathBytes(platform: NodeJS.Platform = process.platform): number {
  return platform === 'linux' ? 107 : 103;
}

export interface SocketPathOptions {
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
}

/**
 * Where the instance of a state folder listens, computed the same way by `up` and by every client:
 * a named pipe on Windows; `.devsup/control.sock` where that path fits the OS limit; otherwise a
 * socket named after the folder in a per-user runtime folder (0700).
 */
export function controlSocketPath(stateFolder: string, options: SocketPathOptions = {}): string {
  const platform = options.platform ?? process.platform;
  if (platform === 'win32') return `\\\\.\\pipe\\devsup-${folderId(stateFolder)}`;
  const local = path.join(stateFolder, SOCKET_NAME);
  if (Buffer.byteLength(local) <= maxSocketPathBytes(platform)) return local;
  return path.join(runtimeFolder(options.env ?? process.env, platform), `${folderId(stateFolder)}.sock`);
}

/** A name for the folder that no other folder gets. */
function folderId(stateFolder: string): string {
  return sha256(stateFolder).toString('hex').slice(0, 24);
}

/** True when the socket lives outside the state folder (its folder must then be made and checked). */
export function isRuntimeSocket(socketPath: string, stateFolder: string): boolean {
  return !socketPath.startsWith('\\\\.\\pipe\\') && path.dirname(socketPath) !== stateFolder;
}

/** `$XDG_RUNTIME_DIR/devsup` (per user by definition), else `devsup-UID` in the temp folder. */
export function runtimeFolder(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string {
  if (env.XDG_RUNTIME_DIR && path.isAbsolute(env.XDG_RUNTIME_DIR)) return path.join(env.XDG_RUNTIME_DIR, 'devsup');
  // Not os.tmpdir() on macOS: its per-user /var/folders/… path is itself near the limit.
  const base = platform === 'darwin' ? '/tmp' : os.tmpdir();
  return path.join(base, `devsup-${process.getuid?.() ?? os.userInfo().username}`);
}

/**
 * Makes the runtime folder of `socketPath` (0700) and refuses one that another user could have
 * prepared: it must be a real folder, ours, closed to everyone else.
 */
export function ensureRuntimeFolder(socketPath: string): void {
  const folder = path.dirname(socketPath);
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const stat = lstatSync(folder);
  const ours = process.getuid === undefined || stat.uid === process.getuid();
  if (!stat.isDirectory() || !ours || (stat.mode & 0o077) !== 0) {
    throw new DevsupError(
      `refusing to put the control socket in ${folder}: it is not a folder of yours closed to other users.`,
      1,
      `Remove it (or make it yours with mode 0700), or run devsup from a shorter path so the socket fits in .devsup/.`,
    );
  }
}
