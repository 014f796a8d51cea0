import pc from 'picocolors';
import { displayWidth, padding } from './columns.js';
import { describeMark } from '../ports/devsup-mark.js';
import type { ServiceStatus } from '../supervisor/service-status.js';
import type { PortsReport, ServiceReport } from './ports-report.js';

type Colors = ReturnType<typeof pc.createColors>;

const HEADERS = ['SERVICE', 'PORT', 'PREFERRED', 'STATUS', 'PID', 'RESTARTS', 'URL'];
/** After the seven fixed columns, and only when there was a last run to compare with. */
const LAST_RUN_HEADER = 'LAST RUN';
/** On a narrow terminal, the columns left out first, in this order, rather than let every row wrap. */
const DROPPED_WHEN_NARROW = [LAST_RUN_HEADER, 'RESTARTS', 'PID', 'PREFERRED'];
/** The STATUS column fits the seven-letter statuses, so it does not jump as `ready` turns `running`. */
const STATUS_MIN_WIDTH = 7;
/** A title is never cut shorter than this to fit a narrow terminal. */
const TITLE_MIN_WIDTH = 8;
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

/** One column: its header and its cells, a row per service. */
interface Column {
  header: string;
  cells: string[];
}

/**
 * The port table: one row per service, then one `!` line per service that did not
 * get its preferred port, then one line per service with a detail. No trailing newline. A last
 * column says whether each port is the one of last run (`same`) or not (`new`), once there was one.
 * With `width` (a terminal's), a table wider than that leaves out LAST RUN, RESTARTS, PID, then
 * PREFERRED (a fallback port then reads `8081 !`), and cuts long titles, so that no row wraps.
 */
export function renderPortTable(report: PortsReport, options: { color: boolean; width?: number }): string {
  const colors = pc.createColors(options.color);
  const { services } = report;
  let columns: Column[] = [...HEADERS, LAST_RUN_HEADER].map((header) => ({ header, cells: services.map((service) => cellOf(service, header)) }));
  if (!services.some((service) => service.lastRun !== undefined)) columns = columns.filter((column) => column.header !== LAST_RUN_HEADER);
  if (options.width !== undefined) columns = fitColumns(columns, services, options.width);
  const widths = columns.map(columnWidth);
  const rows = [columns.map((column) => column.header), ...services.map((_, row) => columns.map((column) => column.cells[row]!))];
  const lines = rows.map((row, index) => {
    const status = index === 0 ? undefined : services[index - 1]?.status;
    return joinCells(row, widths, (cell, column) => (columns[column]!.header === 'STATUS' && status ? paintStatus(colors, status, cell) : cell));
  });
  for (const service of services) {
    const warning = explainDisplacement(service);
    if (warning) lines.push(colors.yellow(`! ${warning}`));
  }
  for (const service of services) {
    if (service.detail) lines.push(`  ${service.service}: ${service.detail}`);
  }
  return lines.join('\n');
}

/** The columns that fit in `width`: the least needed left out first, then titles cut. */
function fitColumns(columns: Column[], services: ServiceReport[], width: number): Column[] {
  const tableWidth = (shown: Column[]) => shown.reduce((sum, column) => sum + columnWidth(column), 0) + GAP.length * (shown.length - 1);
  let shown = columns;
  for (const header of DROPPED_WHEN_NARROW) {
    if (tableWidth(shown) <= width) return shown;
    shown = shown.filter((column) => column.header !== header);
    // The port's `!` moves to the PORT column once PREFERRED is left out.
    if (header === 'PREFERRED')
      shown = shown.map((column) =>
        column.header === 'PORT' ? { ...column, cells: column.cells.map((cell, row) => (isDisplaced(services[row]!) ? `${cell} !` : cell)) } : column,
      );
  }
  const excess = tableWidth(shown) - width;
  if (excess <= 0) return shown;
  const titles = shown[0]!;
  const titleWidth = Math.max(TITLE_MIN_WIDTH, columnWidth(titles) - excess);
  return [{ ...titles, cells: titles.cells.map((cell) => cutTo(cell, titleWidth)) }, ...shown.slice(1)];
}

/** The widest of a column's header and cells, on screen; STATUS at least as wide as its seven-letter statuses. */
function columnWidth(column: Column): number {
  return Math.max(column.header === 'STATUS' ? STATUS_MIN_WIDTH : 0, displayWidth(column.header), ...column.cells.map(displayWidth));
}

/** `text` cut to `width` columns on screen, its end shown as `…`. */
function cutTo(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let cut = '';
  for (const character of text) {
    if (displayWidth(`${cut}${character}`) > width - 1) break;
    cut += character;
  }
  return `${cut}…`;
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

/** A service's cell in the column named `header`. */
function cellOf(service: ServiceReport, header: string): string {
  switch (header) {
    case 'SERVICE':
      return service.title;
    case 'PORT':
      return formatCell(service.port);
    case 'PREFERRED':
      return service.preferred === null ? '-' : `${service.preferred}${isDisplaced(service) ? ' !' : ''}`;
    case 'STATUS':
      return service.status;
    case 'PID':
      return formatCell(service.pid);
    case 'RESTARTS':
      return String(service.restarts);
    case 'URL':
      return formatCell(service.url);
    default:
      return renderLastRun(service);
  }
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
