import os from 'node:os';
import path from 'node:path';
import { columnWidths, padding } from './columns.js';

/** One devsup instance on the machine, as `devsup ls` shows it (docs/output-formats.md documents every field). */
export interface InstanceSummary {
  project: string;
  manifest: string | null; // absolute; null when its leases do not name it
  pid: number;
  user: string;
  own: boolean; // this user's
  /** How it was found: it listed itself (`registry`), or through its port leases (`leases`; another user's: all that is known). */
  source: 'registry' | 'leases';
  detached: boolean | null;
  startedAt: string | null;
  uptimeSeconds: number | null;
  services: { ready: number; total: number } | null;
  ports: { service: string; name: string | null; port: number }[];
}

const HEADERS = ['PROJECT', 'PID', 'USER', 'MODE', 'UPTIME', 'READY', 'PORTS', 'MANIFEST'];
const GAP = '  ';

/** `devsup ls` for people: one row per instance, no trailing newline. */
export function renderInstances(instances: InstanceSummary[], home = os.homedir()): string {
  if (instances.length === 0) return 'no devsup instance runs on this machine';
  const rows = [HEADERS, ...instances.map((instance) => renderRow(instance, home))];
  const widths = columnWidths(rows);
  return rows
    .map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell + padding(cell, widths[column]!))).join(GAP))
    .join('\n');
}

/** `devsup ls --json`: the fields in the order docs/output-formats.md lists them. */
export function renderInstancesJson(instances: InstanceSummary[]): string {
  const ordered = instances.map((instance) => ({
    project: instance.project,
    manifest: instance.manifest,
    pid: instance.pid,
    user: instance.user,
    own: instance.own,
    source: instance.source,
    detached: instance.detached,
    startedAt: instance.startedAt,
    uptimeSeconds: instance.uptimeSeconds,
    services: instance.services,
    ports: instance.ports.map(({ service, name, port }) => ({ service, name, port })),
  }));
  return JSON.stringify({ instances: ordered }, null, 2);
}

function renderRow(instance: InstanceSummary, home: string): string[] {
  return [
    instance.project,
    String(instance.pid),
    instance.user,
    modeOf(instance),
    instance.uptimeSeconds === null ? '-' : formatUptime(instance.uptimeSeconds),
    instance.services === null ? '-' : `${instance.services.ready}/${instance.services.total}`,
    renderPorts(instance.ports) || '-',
    instance.manifest === null ? '-' : shortened(instance.manifest, home),
  ];
}

function modeOf(instance: InstanceSummary): string {
  if (!instance.own) return 'other user';
  if (instance.detached === null) return 'unknown';
  return instance.detached ? 'detached' : 'foreground';
}

/** `api 8080, web 8081 8082`: each service once, its ports in order. */
function renderPorts(ports: InstanceSummary['ports']): string {
  const byService = new Map<string, number[]>();
  for (const { service, port } of ports) byService.set(service, [...(byService.get(service) ?? []), port]);
  return [...byService].map(([service, numbers]) => `${service} ${numbers.join(' ')}`).join(', ');
}

/** `45s`, `12m`, `3h 05m`, `2d 4h`. */
export function formatUptime(seconds: number): string {
  if (seconds < 60) return `${Math.max(0, Math.floor(seconds))}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${String(minutes % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/** A path under the home folder as `~/…`, as people type it. */
function shortened(file: string, home: string): string {
  const relative = path.relative(home, file);
  return home !== '' && relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? `~${path.sep}${relative}` : file;
}
