import pc from 'picocolors';
import { columnWidths, padding } from './columns.js';
import { describeMark } from '../ports/devsup-mark.js';
import type { ServiceStatus } from '../supervisor/service-status.js';
import type { PortsReport, ServiceReport } from './ports-report.js';

type Colors = ReturnType<typeof pc.createColors>;

const HEADERS = ['SERVICE', 'PORT', 'PREFERRED', 'STATUS', 'PID', 'RESTARTS', 'URL'];
/** After the seven fixed columns, and only when there was a last run to compare with. */
const LAST_RUN_HEADER = 'LAST RUN';
const STATUS_COLUMN = 3;
/** The STATUS column fits the seven-letter statuses, so it does not jump as `ready` turns `running`. */
const STATUS_MIN_WIDTH = 7;
const GAP = '  ';

const STATUS_COLORS: Partial<Record<ServiceStatus, 'green' | 'red' | 'yellow'>> = {
  ready: 'green',
  crashed: 'red',
  failed: 'red',
  starting: 'yellow',
  restarting: 'yellow',
  unhealthy: 'yellow',
  pending: 'yellow',
};

/**
 * The port table: one row per service, then one `!` line per service that did not
 * get its preferred port, then one line per service with a detail. No trailing newline. A last
 * column says whether each port is the one of last run (`same`) or not (`new`), once there was one.
 */
export function renderPortTable(report: PortsReport, options: { color: boolean }): string {
  const colors = pc.createColors(options.color);
  const withLastRun = report.services.some((service) => service.lastRun !== undefined);
  const headers = withLastRun ? [...HEADERS, LAST_RUN_HEADER] : HEADERS;
  const rows = [
    headers,
    ...report.services.map((service) => (withLastRun ? [...renderCells(service), renderLastRun(service)] : renderCells(service))),
  ];
  const widths = columnWidths(rows);
  widths[STATUS_COLUMN] = Math.max(widths[STATUS_COLUMN] ?? 0, STATUS_MIN_WIDTH);
  const lines = rows.map((row, index) => {
    const status = index === 0 ? undefined : report.services[index - 1]?.status;
    return joinCells(row, widths, (cell, column) => (column === STATUS_COLUMN && status ? paintStatus(colors, status, cell) : cell));
  });
  for (const service of report.services) {
    const warning = explainDisplacement(service);
    if (warning) lines.push(colors.yellow(`! ${warning}`));
  }
  for (const service of report.services) {
    if (service.detail) lines.push(`  ${service.service}: ${service.detail}`);
  }
  return lines.join('\n');
}

/** The `devsup ports --json` text: the report's fields in the order docs/output-formats.md lists them. */
export function renderPortsJson(report: PortsReport): string {
  const ordered: PortsReport = {
    project: report.project,
    pid: report.pid,
    manifest: report.manifest,
    detached: report.detached,
    services: report.services.map((s) => ({
      service: s.service,
      title: s.title,
      replicaOf: s.replicaOf,
      replica: s.replica,
      port: s.port,
      ports: s.ports,
      preferred: s.preferred,
      status: s.status,
      detail: s.detail,
      pid: s.pid,
      restarts: s.restarts,
      url: s.url,
      holder: s.holder && {
        pid: s.holder.pid,
        command: s.holder.command,
        devsup: s.holder.devsup,
        exited: s.holder.exited,
        freeNow: s.holder.freeNow,
        now: s.holder.now,
      },
      sibling: s.sibling,
      note: s.note,
      lastRun: s.lastRun,
      lastRunPort: s.lastRunPort,
      cpuPercent: s.cpuPercent,
      rssBytes: s.rssBytes,
      startedAt: s.startedAt,
      lastExit: s.lastExit,
    })),
  };
  return JSON.stringify(ordered, null, 2);
}

function renderCells(service: ServiceReport): string[] {
  const preferred = service.preferred === null ? '-' : `${service.preferred}${isDisplaced(service) ? ' !' : ''}`;
  return [
    service.title,
    formatCell(service.port),
    preferred,
    service.status,
    formatCell(service.pid),
    String(service.restarts),
    formatCell(service.url),
  ];
}

/** `same`, `new (was 10502)`, `new`; `-` for a service without a port. */
function renderLastRun(service: ServiceReport): string {
  if (service.lastRun === undefined) return '-';
  return service.lastRunPort === undefined ? service.lastRun : `${service.lastRun} (was ${service.lastRunPort})`;
}

/** Cells padded to their column's width, two spaces apart; the last column is not padded. */
function joinCells(cells: string[], widths: number[], paint: (cell: string, column: number) => string): string {
  return cells.map((cell, column) => paint(cell, column) + (column === cells.length - 1 ? '' : padding(cell, widths[column]!))).join(GAP);
}

function paintStatus(colors: Colors, status: ServiceStatus, text: string): string {
  const color = STATUS_COLORS[status];
  return color ? colors[color](text) : text;
}

function isDisplaced(service: ServiceReport): boolean {
  return service.port !== null && service.preferred !== null && service.port !== service.preferred;
}

/** Why a service did not get its preferred port, or undefined when it did. */
export function explainDisplacement(service: ServiceReport): string | undefined {
  if (!isDisplaced(service)) return undefined;
  const preferred = service.preferred;
  if (service.holder?.pid != null) {
    const holder = `pid ${service.holder.pid}${service.holder.command ? `: ${service.holder.command}` : ''}`;
    const devsup = service.holder.devsup ? ` (${describeMark(service.holder.devsup)})` : '';
    if (!service.holder.exited) return `${preferred} is held by ${holder}${devsup}`;
    const { now } = service.holder;
    if (now) return `${preferred} is held by pid ${now.pid ?? '?'}${now.command ? `: ${now.command}` : ''} now (${holder} held it at start)`;
    const after = service.holder.freeNow
      ? `free now — \`devsup restart ${service.service} --preferred\` moves ${service.service} back`
      : 'that process has exited since';
    return `${preferred} was held by ${holder}${devsup} at start; ${after}`;
  }
  if (service.sibling) return `${preferred} is preferred by ${service.sibling}, which came first`;
  if (service.note) return `${preferred}: ${service.note}`;
  if (service.holder) return `${preferred} is held by another process`;
  return `${preferred} was not available`;
}

function formatCell(value: string | number | null): string {
  return value === null ? '-' : String(value);
}
