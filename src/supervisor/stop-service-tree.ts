import treeKill from 'tree-kill';
import { readProcessTable } from '../ports/process-tree.js';

export interface StopTreeOptions {
  signal: NodeJS.Signals;
  timeoutMs: number;
  /** The service's own way to stop (its `stop_command`), used instead of `signal`; given the time it may take. */
  instead?: (timeoutMs: number) => Promise<void>;
}

export type StopOutcome = 'gone' | 'killed';

const POLL_MS = 10;

/**
 * Stops a service's whole process tree: `signal` to its process group (pgid = pid, the child was
 * spawned detached), or its `instead` (which has `timeoutMs` in all), then, if anything of the group is still alive after `timeoutMs`, SIGKILL to the
 * tree (tree-kill, which also finds descendants that left the group) and to the group.
 * Resolves once no member of the group is left.
 */
export async function stopServiceTree(pid: number, options: StopTreeOptions): Promise<StopOutcome> {
  if (options.instead) {
    // Run even when the group is gone: a daemon's command has exited, what it started has not.
    const deadline = Date.now() + options.timeoutMs;
    await options.instead(options.timeoutMs);
    if (await waitUntilGroupGone(pid, Math.max(0, deadline - Date.now()))) return 'gone';
  } else {
    if (!signalGroup(pid, options.signal)) return 'gone';
    if (await waitUntilGroupGone(pid, options.timeoutMs)) return 'gone';
  }
  await killTreeNow(pid);
  await waitUntilGroupGone(pid, 2_000);
  return 'killed';
}

/** SIGKILL to the tree and the group at once: the second Ctrl-C, or the end of a grace period. */
export async function killTreeNow(pid: number): Promise<void> {
  await new Promise<void>((resolve) => treeKill(pid, 'SIGKILL', () => resolve()));
  signalGroup(pid, 'SIGKILL');
}

/** Sends a signal to a process group; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    // Windows has no process groups: the pid alone, and tree-kill's taskkill /T does the rest.
    process.kill(process.platform === 'win32' ? pgid : -pgid, signal);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Polls until the group has no live member left; false on timeout. */
export async function waitUntilGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (await hasLiveMembers(pgid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return true;
}

/**
 * Whether anything of the group still runs. A member that exited but was reparented to an init
 * that reaps slowly (as in some containers) stays a zombie in the group for seconds: it is gone
 * for our purposes, so the process table decides once the group still answers to signal 0.
 */
async function hasLiveMembers(pgid: number): Promise<boolean> {
  if (!signalGroup(pgid, 0)) return false;
  const table = await readProcessTable();
  return table === null || table.some((entry) => entry.pgid === pgid && !entry.zombie);
}
