import type { Manifest } from '../manifest/service-spec.js';
import { findPortHolders } from '../ports/find-port-holder.js';
import { readProcessTable } from '../ports/process-tree.js';
import { stopServiceTree } from '../supervisor/stop-service-tree.js';
import { isSameProcess } from '../ports/process-identity.js';
import { findMarkedProcesses, stopMarkedProcesses } from '../ports/marked-processes.js';
import type { InstanceState } from './state-folder.js';

/** How long a leftover may take to stop on SIGTERM before its group is killed. */
const LEFTOVER_GRACE_MS = 2_000;

/**
 * Stops the processes a previous instance in this folder left running when it was killed (the
 * watchdog normally gets there first; on Windows it is this). A process counts only if its pid AND
 * start time match the record — never by name — or, for one that left its service's process group,
 * if it carries that instance's mark and started after it (Linux). Returns one "service (pid N)"
 * per process stopped.
 */
export async function stopLeftovers(previous: InstanceState | undefined, manifestFile: string): Promise<string[]> {
  if (!previous || previous.stoppedCleanly || isSameProcess(previous.pid, previous.startTime)) return [];
  const survivors = (previous.children ?? []).filter((child) => child.startTime !== undefined && isSameProcess(child.pid, child.startTime));
  await Promise.all(survivors.map((child) => stopServiceTree(child.pid, { signal: 'SIGTERM', timeoutMs: LEFTOVER_GRACE_MS })));
  // Without a start time the mark alone could match a much older process: those are left alone.
  const escaped =
    previous.startTime === undefined
      ? []
      : findMarkedProcesses({ instance: previous.pid, instanceStart: previous.startTime, manifest: manifestFile });
  await stopMarkedProcesses(escaped, 'SIGTERM', LEFTOVER_GRACE_MS);
  return [
    ...survivors.map((child) => `${child.service} (pid ${child.pid})`),
    ...escaped.map((entry) => `${entry.service} (pid ${entry.pid}, outside its process group)`),
  ];
}

/**
 * `devsup up --reclaim`: a preferred port held by a devsup child whose own instance is gone (an
 * orphan from any folder) is freed by stopping that child's process group. A child of a running
 * instance is left alone, and said so: that instance's `devsup down` is the way. Returns what was
 * stopped and what was left, one sentence each.
 */
export async function reclaimPreferredPorts(manifest: Manifest): Promise<string[]> {
  const preferred = manifest.services
    .flatMap((service) => service.ports.map((port) => port.preferred))
    .filter((port): port is number => port !== 'auto');
  const said: string[] = [];
  const table = await readProcessTable();
  for (const port of new Set(preferred)) {
    for (const holder of await findPortHolders(port)) {
      if (holder.state !== 'listen' || holder.pid === undefined || !holder.devsup) continue;
      const { service, instance, manifest: file } = holder.devsup;
      if (instance !== undefined && isSameProcess(instance, undefined)) {
        said.push(
          `port ${port} is held by service ${service} of the devsup running as pid ${instance}${file ? ` for ${file}` : ''}; stop it there (devsup down), --reclaim leaves it alone.`,
        );
        continue;
      }
      const group = table?.find((entry) => entry.pid === holder.pid)?.pgid ?? holder.pid;
      await stopServiceTree(group, { signal: 'SIGTERM', timeoutMs: LEFTOVER_GRACE_MS });
      said.push(`reclaimed port ${port}: stopped service ${service} (pid ${holder.pid}) left by a devsup that is gone${file ? ` (${file})` : ''}.`);
    }
  }
  return said;
}
