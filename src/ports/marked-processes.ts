import { setTimeout as sleep } from 'node:timers/promises';
import { readDevsupMarkFromProc } from './devsup-mark.js';
import { listPids } from './proc-net.js';
import { isSameProcess, ownStartTime, processStartTime } from './process-identity.js';

/** Which marked processes to look for: those of one devsup instance (and one of its services). */
export interface MarkFilter {
  instance: number; // the devsup pid in DEVSUP_INSTANCE
  /** That instance's start time: a marked process started before it cannot be its descendant. */
  instanceStart: string | undefined;
  service?: string;
  manifest?: string;
}

export interface MarkedProcess {
  pid: number;
  startTime: string;
  service: string;
}

const POLL_MS = 10;

/**
 * Every process that carries an instance's mark in its environment (DEVSUP_INSTANCE, DEVSUP_SERVICE,
 * DEVSUP_MANIFEST, which every child inherits): found even when it left its service's process group
 * and tree (`setsid … &`, a daemon's double fork). Linux only (/proc/PID/environ, readable for our
 * own processes); elsewhere none are found.
 */
export function findMarkedProcesses(filter: MarkFilter): MarkedProcess[] {
  if (process.platform !== 'linux') return [];
  const found: MarkedProcess[] = [];
  for (const pid of listPids()) {
    if (pid === process.pid) continue;
    const mark = readDevsupMarkFromProc(pid);
    if (mark?.instance !== filter.instance) continue;
    if ((filter.service !== undefined && mark.service !== filter.service) || (filter.manifest !== undefined && mark.manifest !== filter.manifest))
      continue;
    const startTime = processStartTime(pid);
    if (startTime === undefined || (filter.instanceStart !== undefined && Number(startTime) < Number(filter.instanceStart))) continue;
    found.push({ pid, startTime, service: mark.service });
  }
  return found;
}

/** This instance's marked processes (of one service, or of all): what its own children left behind. */
export function findOwnMarkedProcesses(service?: string): MarkedProcess[] {
  return findMarkedProcesses({ instance: process.pid, instanceStart: ownStartTime(), ...(service !== undefined && { service }) });
}

/**
 * Stops marked processes: `signal`, then SIGKILL to any still there after `graceMs`. Each is
 * signalled only while its pid still has the start time it was found with.
 */
export async function stopMarkedProcesses(marked: MarkedProcess[], signal: NodeJS.Signals, graceMs: number): Promise<void> {
  const alive = () => marked.filter((entry) => isSameProcess(entry.pid, entry.startTime));
  for (const entry of alive()) signalQuietly(entry.pid, signal);
  const deadline = Date.now() + graceMs;
  while (alive().length > 0 && Date.now() < deadline) await sleep(POLL_MS);
  for (const entry of alive()) signalQuietly(entry.pid, 'SIGKILL');
}

function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone meanwhile
  }
}
