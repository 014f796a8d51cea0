import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { PortsReport } from '../output/ports-report.js';
import { isSameProcess } from '../ports/process-identity.js';
import { toEnvName } from '../manifest/injected-env.js';
import { stateFolderOf } from './state-paths.js';

/** What `.devsup/state.json` holds: the instance, and per service its pid and ports (in the report). */
export interface InstanceState {
  version: 1;
  pid: number;
  startTime?: string; // see ports/process-identity.ts
  startedAt: string; // ISO time, for people
  report: PortsReport;
  /** The services' processes (each leads its own group), for stopping what a killed instance left. */
  children?: ChildRecord[];
}

export interface ChildRecord {
  service: string;
  pid: number;
  startTime?: string;
}

export { STATE_FOLDER, stateFolderOf } from './state-paths.js';

/** `.devsup/` beside the manifest: created 0700, since it holds the control socket. */
export function ensureStateFolder(manifestDir: string): string {
  const folder = stateFolderOf(manifestDir);
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  chmodSync(folder, 0o700);
  return folder;
}

/** The state of the instance that last ran here, whether or not it still runs. */
export function readState(manifestDir: string): InstanceState | undefined {
  try {
    const state = JSON.parse(readFileSync(path.join(stateFolderOf(manifestDir), 'state.json'), 'utf8')) as InstanceState;
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
 * Writes state.json, ports.json and ports.env, each atomically (write then rename), so a reader
 * never sees half a file.
 */
export function writeState(folder: string, state: InstanceState): void {
  writeAtomically(path.join(folder, 'state.json'), JSON.stringify(state, null, 2) + '\n');
  writeAtomically(path.join(folder, 'ports.json'), JSON.stringify(state.report, null, 2) + '\n');
  writeAtomically(path.join(folder, 'ports.env'), renderPortsEnv(state.report));
}

export function renderPortsEnv(report: PortsReport): string {
  return report.services
    .filter((service) => service.port !== null)
    .map((service) => `DEVSUP_${toEnvName(service.service)}_PORT=${service.port}\n`)
    .join('');
}


function writeAtomically(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  renameSync(temporary, file);
}
