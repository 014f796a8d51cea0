import path from 'node:path';
import type { Manifest, ServiceSpec } from '../manifest/service-spec.js';
import { resolveUrl, type AssignedPorts } from '../manifest/resolve-service.js';
import type { PortAssignment } from '../ports/port-types.js';
import { isSameProcess } from '../ports/process-identity.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { maskSecrets } from '../secrets.js';
import { holderOf, type PortsReport, type ServiceReport } from './ports-report.js';

/** Each service's ports in the previous run (service → port name → port), from `.devsup/state.json`. */
export type LastRunPorts = Record<string, Record<string, number>>;

/**
 * The `devsup ports --json` object for a running supervisor; with `lastRun` (absent on
 * a first run), each port is marked as the same as last run or new, since bookmarks and clients care.
 * `detached`: the instance runs in the background (`devsup up -d`).
 */
export function buildReport(manifest: Manifest, supervisor: Supervisor, cwd: string, lastRun?: LastRunPorts, detached = false): PortsReport {
  const ports: AssignedPorts = new Map(
    [...supervisor.runners.values()].map((runner) => [runner.spec.key, Object.fromEntries(runner.ports.map((p) => [p.name, p.port]))]),
  );
  const services = [...supervisor.runners.values()].map((runner): ServiceReport => {
    const primary = runner.ports[0];
    // A service that got no port (e.g. `fallback: none`) still shows the port it asked for.
    const asked = runner.spec.ports[0]?.preferred;
    const report: ServiceReport = {
      service: runner.spec.key,
      title: runner.spec.title,
      ...(runner.spec.replica && { replicaOf: runner.spec.replica.group, replica: runner.spec.replica.index }),
      port: primary?.port ?? null,
      ports: ports.get(runner.spec.key) ?? {},
      preferred: typeof asked === 'number' ? asked : null,
      status: runner.status,
      pid: runner.pid,
      restarts: runner.restarts,
      url: urlOf(manifest, runner.spec, ports),
    };
    if (runner.detail) report.detail = runner.detail;
    if (runner.startedAt !== undefined) report.startedAt = new Date(runner.startedAt).toISOString();
    const { lastExit } = runner;
    if (lastExit) report.lastExit = { code: lastExit.code, signal: lastExit.signal, at: new Date(lastExit.at).toISOString() };
    Object.assign(report, displacementFields(primary));
    if (lastRun && primary) Object.assign(report, compareWithLastRun(primary, lastRun[runner.spec.key]));
    if (runner.driftedFrom !== undefined) report.note = `listens on ${report.port}, not on the PORT=${runner.driftedFrom} it was given`;
    return maskReportSecrets(report);
  });
  return { project: manifest.project, pid: process.pid, manifest: displayPath(manifest.file, cwd), ...(detached && { detached: true }), services };
}

/** The report feeds the table, `ports --json`, ports.json and state.json: masked here, it is masked in all of them. */
function maskReportSecrets(report: ServiceReport): ServiceReport {
  const masked = { ...report, url: report.url === null ? null : maskSecrets(report.url) };
  if (report.detail !== undefined) masked.detail = maskSecrets(report.detail);
  if (report.note !== undefined) masked.note = maskSecrets(report.note);
  if (report.holder?.command) masked.holder = { ...report.holder, command: maskSecrets(report.holder.command) };
  return masked;
}

/** The service's URL, or null where it cannot be made: its own port, or one it refers to, was never assigned. */
function urlOf(manifest: Manifest, spec: ServiceSpec, ports: AssignedPorts): string | null {
  try {
    return resolveUrl(manifest, spec, ports) ?? null;
  } catch {
    return null;
  }
}

function compareWithLastRun(primary: PortAssignment, previous: Record<string, number> | undefined): Partial<ServiceReport> {
  const before = previous?.[primary.name];
  if (before === primary.port) return { lastRun: 'same' };
  return before === undefined ? { lastRun: 'new' } : { lastRun: 'new', lastRunPort: before };
}

/** `holder`, `sibling` or `note` for a port that is not the preferred one. */
function displacementFields(assignment: PortAssignment | undefined): Partial<ServiceReport> {
  const displaced = assignment?.displacedBy;
  const ephemeral = assignment?.source === 'os' ? 'OS-assigned port (ephemeral: may change next run)' : undefined;
  if (!displaced) return ephemeral ? { note: ephemeral } : {};
  const extra = ephemeral ? { note: ephemeral } : {};
  switch (displaced.kind) {
    case 'process': {
      const holder = holderOf(displaced.holder);
      // A holder that has exited since must not be named as holding the port now.
      if (holder.pid !== null && !isSameProcess(holder.pid, undefined)) holder.exited = true;
      return { holder, ...extra };
    }
    case 'sibling':
      return { sibling: displaced.service, ...extra };
    case 'forbidden':
      return { note: `permission denied (privileged or reserved by the OS)${ephemeral ? `; ${ephemeral}` : ''}` };
    case 'lease':
    case 'unbindable':
      return { note: `${displaced.detail}${ephemeral ? `; ${ephemeral}` : ''}` };
  }
}

function displayPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}
