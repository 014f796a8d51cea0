import { accessSync, constants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeFolder, modeOf, preparePrivateFolder, type FolderProblem, type FolderState } from '../files/own-folder.js';
import { reasonOf } from '../files/safe-files.js';

/**
 * One folder for the whole machine, shared by every user: /tmp (sticky, like /tmp itself) on Unix —
 * not os.tmpdir(), which is per user on macOS and under TMPDIR — and ProgramData on Windows.
 * DEVSUP_LEASE_DIR replaces it.
 */
export function configuredLeaseFolder(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DEVSUP_LEASE_DIR) return path.resolve(env.DEVSUP_LEASE_DIR);
  if (process.platform === 'win32') return path.join(env.ProgramData ?? os.tmpdir(), 'devsup', 'ports');
  return '/tmp/devsup-ports';
}

/** Problems already told: each once per process, however many allocations meet it. */
const told = new Set<string>();

/**
 * The folder this process leases in: `folder` when it is fit to share, else a per-user one beside
 * it (`FOLDER-UID`, 0700), so that at least this user's instances never hand out one port; when
 * neither will do, none (leasing off). Anything but `folder` is said through `warn`, once.
 */
export function chooseLeaseFolder(folder: string, warn: (message: string) => void): string | undefined {
  const shared = checkSharedFolder(folder);
  if (!shared) return folder;
  const personal = `${folder}-${process.getuid?.() ?? os.userInfo().username}`;
  const own = process.platform === 'win32' ? { problem: `${personal} is not used on Windows` } : privateProblem(personal);
  const message = own
    ? `${folder} ${shared.problem}, and ${own.problem}: port leases are off, so two devsup instances may hand out one port; ${shared.fix}, or set DEVSUP_LEASE_DIR.`
    : `${folder} ${shared.problem}: cross-user port leases are off (this user's instances lease in ${personal}); ${shared.fix}, or set DEVSUP_LEASE_DIR.`;
  if (!told.has(message)) warn(message);
  told.add(message);
  return own ? undefined : personal;
}

/**
 * Why `folder` cannot hold every user's leases (made 1777 when missing): it must be a real folder,
 * not a symlink; ours or root's, or shared (sticky and world-writable, like /tmp); writable by us;
 * and writable by others only when sticky, where nobody may remove another's lease.
 */
function checkSharedFolder(folder: string): Omit<FolderProblem, 'kind'> | undefined {
  let state: FolderState;
  try {
    state = makeFolder(folder, 0o1777, true);
  } catch (error) {
    return { problem: `cannot be made (${reasonOf(error)})`, fix: 'make it yourself' };
  }
  const { stat } = state;
  const owner = `uid ${stat.uid}`;
  if (state.kind === 'symlink') return { problem: `is a symlink owned by ${owner}`, fix: 'remove it' };
  if (state.kind === 'other') return { problem: `is not a folder (owned by ${owner})`, fix: 'remove it' };
  if (process.platform === 'win32') return undefined;
  const sticky = (stat.mode & 0o1000) !== 0;
  const mode = `mode ${modeOf(stat)}`;
  if (stat.uid !== process.getuid!() && stat.uid !== 0 && !(sticky && (stat.mode & 0o777) === 0o777)) {
    return {
      problem: `belongs to ${owner} and is not a shared sticky folder (${mode})`,
      fix: 'have its owner make it shared (chmod 1777) or remove it',
    };
  }
  if ((stat.mode & 0o022) !== 0 && !sticky)
    return {
      problem: `may be written by other users, who could remove leases: it is not sticky (${mode})`,
      fix: 'have its owner make it sticky (chmod 1777)',
    };
  if (!isWritable(folder))
    return { problem: `is not writable by you (owned by ${owner}, ${mode})`, fix: 'have its owner make it shared (chmod 1777)' };
  return undefined;
}

function privateProblem(folder: string): { problem: string } | undefined {
  try {
    return preparePrivateFolder(folder);
  } catch (error) {
    return { problem: `${folder} cannot be made (${reasonOf(error)})` };
  }
}

function isWritable(folder: string): boolean {
  try {
    accessSync(folder, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
