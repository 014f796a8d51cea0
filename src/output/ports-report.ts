import type { PortHolder } from '../ports/port-types.js';
import type { ServiceStatus } from '../supervisor/service-status.js';

/**
 * The object `devsup ports --json` prints (DESIGN.md §2), also written to `.devsup/ports.json`.
 * Fields marked "extra" are additions beyond the contract's example; scripts may ignore them.
 */
export interface PortsReport {
  project: string;
  pid: number; // the devsup instance
  manifest: string; // path of the manifest, relative to the folder it was found from when possible
  services: ServiceReport[];
}

export interface ServiceReport {
  service: string;
  title: string;
  port: number | null; // the port the service really uses (its first port); null without one
  ports: Record<string, number>;
  preferred: number | null;
  status: ServiceStatus;
  detail?: string;
  pid: number | null;
  restarts: number;
  url: string | null;
  holder?: { pid: number | null; command: string | null }; // only when a foreign process held `preferred`
  sibling?: string; // extra: the sibling service that had `preferred` first
  note?: string; // extra: why `port` differs from `preferred` when no holder is known (forbidden, leased, ephemeral, TIME_WAIT)
}

export function holderOf(holder: PortHolder | undefined): ServiceReport['holder'] {
  return { pid: holder?.pid ?? null, command: holder?.command ?? null };
}
