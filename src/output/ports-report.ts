import type { DevsupMark, PortHolder } from '../ports/port-types.js';
import type { ServiceStatus } from '../supervisor/service-status.js';

/**
 * The object `devsup ports --json` prints, also written to `.devsup/ports.json`.
 * Fields marked "extra" appear only when they have something to say; scripts may ignore them
 * (docs/output-formats.md documents every field).
 */
export interface PortsReport {
  project: string;
  pid: number; // the devsup instance
  manifest: string; // path of the manifest, relative to the folder it was found from when possible
  detached?: true; // extra: the instance runs in the background (`devsup up -d`)
  services: ServiceReport[];
}

export interface ServiceReport {
  service: string;
  title: string;
  replicaOf?: string; // extra, on a replica: the replicated service it is one of (`web` of `web.2`); keys may hold dots, so read this, not the key
  replica?: number; // extra, with `replicaOf`: its number, from 1
  port: number | null; // the port the service really uses (its first port); null without one
  ports: Record<string, number>;
  preferred: number | null;
  status: ServiceStatus;
  detail?: string;
  pid: number | null;
  restarts: number;
  url: string | null;
  /** Only when a foreign process held `preferred`; extra `devsup` when that process is another devsup instance's service. */
  holder?: HolderReport;
  sibling?: string; // extra: the sibling service that had `preferred` first
  note?: string; // extra: why `port` differs from `preferred` when no holder is known (forbidden, leased, ephemeral, TIME_WAIT)
  lastRun?: 'same' | 'new'; // extra: whether `port` is the one this service had last run; absent on a first run
  lastRunPort?: number; // extra: last run's port, when it was another one
  cpuPercent?: number; // extra, asked for (`ports --json`, `ui`): the process tree's CPU use, in % of one core
  rssBytes?: number; // extra, asked for: the process tree's resident memory
  startedAt?: string; // extra: when its current run (or its last, once ended) started, ISO 8601 UTC
  lastExit?: ExitReport; // extra: how its last ended run ended
}

/** How a run ended: its exit code, or the signal that ended it, and when (ISO 8601 UTC). */
export interface ExitReport {
  code: number | null;
  signal: string | null;
  at: string;
}

/** Who held the preferred port when the service got its port, and (extra) what is true of it now. */
export interface HolderReport {
  pid: number | null;
  command: string | null;
  devsup?: DevsupMark;
  exited?: boolean; // extra: that process has exited since
  freeNow?: boolean; // extra, with `exited`: whether the preferred port is free now
  now?: { pid: number | null; command: string | null }; // extra, with `exited`: who holds it now
}

export function holderOf(holder: PortHolder | undefined): HolderReport {
  return { pid: holder?.pid ?? null, command: holder?.command ?? null, ...(holder?.devsup ? { devsup: holder.devsup } : {}) };
}
