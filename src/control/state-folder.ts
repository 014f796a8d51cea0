import path from 'node:path';
import { DevsupError } from '../errors.js';
import { preparePrivateFolder, type FolderProblem } from '../files/own-folder.js';
import { readRegularFile, reasonOf, shownPath, writeFileAtomically } from '../files/safe-files.js';
import type { WriteTrouble } from '../files/write-trouble.js';
import { logsFolderOf } from '../output/log-files.js';
import type { PortsReport } from '../output/ports-report.js';
import { isSameProcess } from '../ports/process-identity.js';
import { replicatedPortEnv, toEnvName } from '../manifest/injected-env.js';
import { stateFolderOf } from './state-paths.js';

/** What `.devsup/state.json` holds: the instance, and per service its pid and ports (in the report). */
export interface InstanceState {
  version: 1;
  pid: number;
  startTime?: string; // see ports/process-identity.ts
  startedAt: string; // ISO time, for people
  /** Set when the instance runs in the background (`devsup up -d`), with no terminal of its own. */
  detached?: true;
  report: PortsReport;
  /** The services' processes (each leads its own group), for stopping what a killed instance left. */
  children?: ChildRecord[];
  /** Written last by an instance that stopped every service it ran: nothing of it can be left running. */
  stoppedCleanly?: boolean;
}

export interface ChildRecord {
  service: string;
  pid: number;
  startTime?: string;
}

export { STATE_FOLDER, stateFolderOf } from './state-paths.js';

/**
 * `.devsup/` beside the manifest, and its `logs/`: created 0700, since they hold the control
 * socket and the services' output. One that is a symlink, not a folder, another user's or open to
 * others is refused before anything starts: devsup neither writes through it nor chmods it.
 */
export function ensureStateFolder(manifestDir: string): string {
  const folder = stateFolderOf(manifestDir);
  for (const each of [folder, logsFolderOf(folder)]) {
    let found: FolderProblem | undefined;
    try {
      found = preparePrivateFolder(each);
    } catch (error) {
      throw new DevsupError(
        `cannot create ${shownPath(each)}: ${reasonOf(error)}.`,
        1,
        'Check that you may write in that folder, and that its disk is not full.',
      );
    }
    if (found) {
      const why = found.kind === 'open' ? 'it holds the control socket and the logs' : 'devsup keeps its state only in a folder of its own';
      throw new DevsupError(`${found.problem}: ${why}.`, 1, found.fix);
    }
  }
  return folder;
}

/** The state of the instance that last ran here, whether or not it still runs. */
export function readState(manifestDir: string): InstanceState | undefined {
  try {
    const state = JSON.parse(readRegularFile(path.join(stateFolderOf(manifestDir), 'state.json'))?.toString('utf8') ?? '') as InstanceState;
    return state.version === 1 && typeof state.pid === 'number' ? state : undefined;
  } catch {
    return undefined;
  }
}

/** The state of the instance running here now, or undefined when none runs (stale files are ignored). */
export function readLiveState(manifestDir: string): InstanceState | undefined {
  const state = readState(manifestDir);
  return state && state.pid !== process.pid && isSameProcess(state.pid, state.startTime) ? state : undefined;
}

/**
 * Writes state.json, ports.json and ports.env, each atomically (a new file renamed over the old),
 * so a reader never sees half a file. A file that cannot be written (a full disk) is said once
 * through `trouble`, never thrown: the services run on. False when one failed.
 */
export async function writeState(folder: string, state: InstanceState, trouble: WriteTrouble): Promise<boolean> {
  const files: [string, string][] = [
    ['state.json', JSON.stringify(state, null, 2) + '\n'],
    ['ports.json', JSON.stringify(state.report, null, 2) + '\n'],
    ['ports.env', renderPortsEnv(state.report)],
  ];
  const results = await Promise.all(
    files.map(([name, text]) => {
      const file = path.join(folder, name);
      return trouble.attempt(file, () => writeFileAtomically(file, text), 'devsup and the services run on, and devsup tries again every second');
    }),
  );
  return results.every(Boolean);
}

/** `DEVSUP_<KEY>_PORT` of each service with a port, and `DEVSUP_<NAME>_PORT(S)` of each replicated one: what every child gets. */
export function renderPortsEnv(report: PortsReport): string {
  const lines = report.services
    .filter((service) => service.port !== null)
    .map((service) => `DEVSUP_${toEnvName(service.service)}_PORT=${service.port}`);
  const replicaPorts = report.services.flatMap(({ replicaOf, replica, port }) =>
    replicaOf === undefined || replica === undefined || port === null ? [] : [{ group: replicaOf, index: replica, port }],
  );
  for (const [name, value] of Object.entries(replicatedPortEnv(replicaPorts))) lines.push(`${name}=${value}`);
  return lines.map((line) => `${line}\n`).join('');
}
