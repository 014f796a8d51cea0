import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { preparePrivateFolder } from '../files/own-folder.js';
import { isMine, readRegularFile, reasonOf, removeQuietly, writeFileAtomically } from '../files/safe-files.js';
import { isSameProcess, ownStartTime } from '../ports/process-identity.js';
import { runtimeFolder } from './socket-path.js';

/** One running `devsup up`, as it lists itself for `devsup ls`. */
export interface RegistryEntry {
  version: 1;
  pid: number;
  startTime?: string; // see ports/process-identity.ts: a reused pid is not taken for the instance
  manifest: string; // absolute
  project: string;
  startedAt: string; // ISO time
}

const REGISTRY_FOLDER = 'instances';
const ENTRY_NAME = /^(\d+)\.json$/;

/**
 * Where this user's instances list themselves: `instances/` in the per-user runtime folder
 * (`$XDG_RUNTIME_DIR/devsup`, else `devsup-UID` in the temp folder). An instance started where
 * XDG_RUNTIME_DIR was not set (cron, `sudo -u`, a container's shell) lists itself in the second, so
 * both are read.
 */
export function registryFolders(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string[] {
  const folders = [runtimeFolder(env, platform), runtimeFolder({}, platform)].map((folder) => path.join(folder, REGISTRY_FOLDER));
  return [...new Set(folders)];
}

/**
 * Lists this instance (its pid, start time and manifest) until `remove()`, which `up` calls as it
 * ends; a killed instance's entry is dropped by the next `devsup ls`. The folders are made 0700 and
 * must be real folders of ours; when XDG_RUNTIME_DIR's will not do (another user's, after `sudo`),
 * the temp folder's is used. When neither will, devsup runs on unlisted, and says so through `warn`.
 */
export async function listThisInstance(
  manifest: { file: string; project: string },
  warn: (message: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ remove(): void }> {
  const entry: RegistryEntry = {
    version: 1,
    pid: process.pid,
    ...(ownStartTime() ? { startTime: ownStartTime() } : {}),
    manifest: manifest.file,
    project: manifest.project,
    startedAt: new Date().toISOString(),
  };
  const failures: string[] = [];
  for (const folder of registryFolders(env)) {
    const file = path.join(folder, `${process.pid}.json`);
    try {
      for (const each of [path.dirname(folder), folder]) {
        const problem = preparePrivateFolder(each);
        if (problem) throw new Error(`${problem.problem}. ${problem.fix}`);
      }
      await writeFileAtomically(file, `${JSON.stringify(entry, null, 2)}\n`);
      return { remove: () => removeQuietly(file) };
    } catch (error) {
      failures.push(`in ${folder}: ${reasonOf(error)}`);
    }
  }
  warn(`\`devsup ls\` will not list this instance (${failures.join('; ')})`);
  return { remove: () => undefined };
}

/**
 * The entries of this user's running instances, each once. Entries whose process is gone (or whose
 * pid now belongs to another process) are removed. A folder that is a symlink, not ours or open to
 * others is not read.
 */
export function listRunningInstances(env: NodeJS.ProcessEnv = process.env): RegistryEntry[] {
  const found = new Map<number, RegistryEntry>();
  for (const folder of registryFolders(env)) {
    if (!isPrivateFolder(path.dirname(folder)) || !isPrivateFolder(folder)) continue;
    for (const name of namesIn(folder)) {
      if (!ENTRY_NAME.test(name)) continue;
      const file = path.join(folder, name);
      const entry = readEntry(file);
      if (!entry || found.has(entry.pid)) continue;
      if (isSameProcess(entry.pid, entry.startTime)) found.set(entry.pid, entry);
      else removeQuietly(file);
    }
  }
  return [...found.values()];
}

/** A real folder (not a link), ours, closed to everyone else; modes and owners do not apply on Windows. */
function isPrivateFolder(folder: string): boolean {
  try {
    const stat = lstatSync(folder);
    return stat.isDirectory() && (process.platform === 'win32' || (isMine(stat) && (stat.mode & 0o077) === 0));
  } catch {
    return false;
  }
}

function namesIn(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch {
    return []; // removed meanwhile
  }
}

function readEntry(file: string): RegistryEntry | undefined {
  try {
    const entry = JSON.parse(readRegularFile(file)?.toString('utf8') ?? '') as RegistryEntry;
    const valid =
      entry.version === 1 &&
      Number.isInteger(entry.pid) &&
      entry.pid > 0 &&
      typeof entry.manifest === 'string' &&
      typeof entry.project === 'string' &&
      typeof entry.startedAt === 'string' &&
      (entry.startTime === undefined || typeof entry.startTime === 'string');
    return valid ? entry : undefined;
  } catch {
    return undefined; // no regular file (a link planted there), or not an entry
  }
}
