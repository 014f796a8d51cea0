import { stopServiceTree } from '../supervisor/stop-service-tree.js';
import { isSameProcess } from './process-identity.js';
import type { InstanceState } from './state-folder.js';

/** How long a leftover may take to stop on SIGTERM before its group is killed. */
const LEFTOVER_GRACE_MS = 2_000;

/**
 * Stops the processes a previous instance in this folder left running when it was killed (the
 * watchdog normally gets there first; on Windows it is this). A process counts only if its pid AND
 * start time match the record — never by name. Returns one "service (pid N)" per process stopped.
 */
export async function stopLeftovers(previous: InstanceState | undefined): Promise<string[]> {
  if (!previous || isSameProcess(previous.pid, previous.startTime)) return [];
  const survivors = (previous.children ?? []).filter((child) => child.startTime !== undefined && isSameProcess(child.pid, child.startTime));
  await Promise.all(survivors.map((child) => stopServiceTree(child.pid, { signal: 'SIGTERM', timeoutMs: LEFTOVER_GRACE_MS })));
  return survivors.map((child) => `${child.service} (pid ${child.pid})`);
}
