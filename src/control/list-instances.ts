import os from 'node:os';
import path from 'node:path';
import type { InstanceSummary } from '../output/render-instances.js';
import type { PortsReport } from '../output/ports-report.js';
import { liveLeases, type LeaseSeen } from '../ports/port-lease.js';
import { userNameOf } from '../ports/process-facts.js';
import type { ServiceStatus } from '../supervisor/service-status.js';
import { listRunningInstances } from './instance-registry.js';
import { readState } from './state-folder.js';

/** As `devsup wait` sees it: a service that is done starting — ready, running without a check, or finished with code 0. */
const READY: readonly ServiceStatus[] = ['ready', 'running', 'exited'];

/**
 * Every devsup instance on this machine that this user can know of: this user's from the registry
 * (instance-registry.ts), each described by its `.devsup/state.json`; then those known only by their
 * port leases — another user's (whose state folder is closed to us), or one of ours that did not list
 * itself (an older devsup) — as far as the leases tell. Dead instances never appear: the registry
 * and the leases are both checked by pid and start time.
 */
export function listInstances(env: NodeJS.ProcessEnv = process.env, now = Date.now()): InstanceSummary[] {
  const me = os.userInfo().username;
  const summaries = listRunningInstances(env).map((entry) =>
    describe({ ...entry, user: me, source: 'registry' }, readOwnState(entry.manifest, entry.pid, entry.startTime), now),
  );
  const listed = new Set(summaries.map((summary) => summary.pid));
  for (const group of leasesByInstance(liveLeases()).filter((leases) => !listed.has(leases[0]!.lease.pid))) {
    const { lease, own } = group[0]!;
    const ports = group.map((seen) => ({ service: seen.lease.service, name: null, port: seen.lease.port })).sort((a, b) => a.port - b.port);
    const base = {
      pid: lease.pid,
      project: lease.project,
      manifest: lease.manifest ?? null,
      user: own ? me : userOf(group[0]!),
      source: 'leases' as const,
    };
    // Ours, yet unlisted: its state file (ours to read) says the rest.
    const state = own && lease.manifest !== undefined ? readOwnState(lease.manifest, lease.pid, lease.startTime) : undefined;
    summaries.push(state ? describe({ ...base, startedAt: state.startedAt }, state, now) : { ...base, own, ...UNKNOWN, ports });
  }
  return summaries.sort((a, b) => Number(b.own) - Number(a.own) || a.project.localeCompare(b.project) || a.pid - b.pid);
}

const UNKNOWN = { detached: null, startedAt: null, uptimeSeconds: null, services: null };

interface Known {
  pid: number;
  project: string;
  manifest: string | null;
  user: string;
  source: InstanceSummary['source'];
  startedAt: string;
}

/** One of this user's instances, with what its report says (when its state file could be read). */
function describe(known: Known, state: { report: PortsReport } | undefined, now: number): InstanceSummary {
  const report = state?.report;
  const services = report?.services.filter((service) => service.status !== 'stopped');
  return {
    project: report?.project ?? known.project,
    manifest: known.manifest,
    pid: known.pid,
    user: known.user,
    own: true,
    source: known.source,
    // An instance's report says whether it runs detached; one that does not say is in the foreground.
    detached: (report as { detached?: unknown } | undefined)?.detached === true,
    startedAt: known.startedAt,
    uptimeSeconds: Math.max(0, Math.floor((now - Date.parse(known.startedAt)) / 1000)),
    services: services ? { ready: services.filter((service) => READY.includes(service.status)).length, total: services.length } : null,
    ports: (report?.services ?? []).flatMap((service) =>
      Object.entries(service.ports).map(([name, port]) => ({ service: service.service, name, port })),
    ),
  };
}

/** The state file beside `manifest`, when it is the one of this very process (not a predecessor's). */
function readOwnState(manifest: string, pid: number, startTime: string | undefined) {
  const state = readState(path.dirname(manifest));
  const same = state?.pid === pid && (state.startTime === undefined || startTime === undefined || state.startTime === startTime);
  return same ? state : undefined;
}

/** One group per instance (pid and start time), in the order found. */
function leasesByInstance(leases: LeaseSeen[]): LeaseSeen[][] {
  const groups = new Map<string, LeaseSeen[]>();
  for (const seen of leases) {
    const key = `${seen.lease.pid} ${seen.lease.startTime}`;
    groups.set(key, [...(groups.get(key) ?? []), seen]);
  }
  return [...groups.values()];
}

/** Another user's name: from the file's owner where files have one, else from the lease file's name (Windows). */
function userOf(seen: LeaseSeen): string {
  if (process.platform === 'win32') return seen.owner;
  return userNameOf(seen.uid) ?? `uid ${seen.uid}`;
}
