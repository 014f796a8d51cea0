import pc from 'picocolors';
import { displayWidth } from '../output/columns.js';
import { explainDisplacement, renderPortTable } from '../output/port-table.js';
import type { PortsReport, ServiceReport } from '../output/ports-report.js';
import type { ServiceStatus } from '../supervisor/service-status.js';
import type { Key } from './decode-keys.js';
import { UI_KEYS } from './ui-keys.js';
import { LogStore, type LineRing, type ViewLine } from './log-store.js';
import { fitLine, fitPlain, highlightLine, matches } from './terminal-text.js';

/** `ui`: q closes the view, the stack runs on; `up`: the view of `devsup up --ui`, where q stops the stack. */
export type UiMode = 'ui' | 'up';

/** What a key asks of the instance (or of the session, for `quit`). */
export type UiCommand = { kind: 'restart' | 'stop' | 'start'; service: string } | { kind: 'quit' };

export const MIN_WIDTH = 80;
export const MIN_HEIGHT = 20;

/** Statuses in which `s` stops a service (an unhealthy one runs still); in every other one it starts it. */
const STOPPABLE: ReadonlySet<ServiceStatus> = new Set(['pending', 'starting', 'ready', 'running', 'unhealthy', 'restarting']);
const STATUS_COLORS: Partial<Record<ServiceStatus, 'green' | 'red' | 'yellow'>> = {
  ready: 'green',
  running: 'green',
  crashed: 'red',
  failed: 'red',
  starting: 'yellow',
  restarting: 'yellow',
  pending: 'yellow',
  stopping: 'yellow',
};
/** The services' colours, as `devsup up` paints their prefixes (output/prefix-lines.ts). */
const PALETTE = ['cyan', 'magenta', 'green', 'yellow', 'blue', 'cyanBright', 'magentaBright', 'greenBright', 'yellowBright', 'blueBright'] as const;
const MESSAGE_MS = 5_000;
const WHEEL_LINES = 3;
/** Rows that are not the service list, the log pane or the footer: header, column names, info, pane title. */
const FRAME_ROWS = 4;
/** The log pane keeps at least this many rows however many services there are. */
const MIN_LOG_ROWS = 8;
const COLUMNS = { marker: 2, port: 7, restarts: 8, uptime: 8, cpu: 6, rss: 7 };

/** Every key, most needed first, `? help` and `q quit` last: the footer's one row, or two on a narrower terminal. */
const FOOTER_KEYS = [
  '↑↓/jk select',
  'Enter/Tab list/logs',
  'r restart',
  's stop/start',
  'a all',
  't ports',
  '/ search',
  'f follow',
  'PgUp/PgDn scroll',
  '? help',
  'q quit',
];

const HELP_LINES = ['Keys', '', ...UI_KEYS.map(([keys, does]) => `  ${keys.padEnd(12)}  ${does}`), '', 'Esc or q closes this help.'];

/**
 * The view's state and its drawing, with no terminal: reports and lines come in, keys turn into
 * changes and commands, and `render` gives the screen's rows for a size, each exactly as wide as
 * the screen. Pure apart from the clock, so every key and layout can be tested as text.
 */
export class UiView {
  private report: PortsReport | undefined;
  private readonly logs = new LogStore();
  private selected = 0;
  private showAll = true;
  private focus: 'list' | 'logs' = 'list';
  private follow = true;
  /** One past the bottom line shown, while not following. */
  private bottom = 0;
  private overlay: 'help' | 'table' | undefined;
  private query = '';
  private typing: string | undefined;
  /** The line of the match the view went to. */
  private current: number | undefined;
  private message: { text: string; until: number } | undefined;
  private listOffset = 0;
  private lastLayout: Layout | undefined;
  private readonly colors: ReturnType<typeof pc.createColors>;

  constructor(private readonly options: { mode: UiMode; color: boolean; now?: () => number }) {
    this.colors = pc.createColors(options.color);
  }

  setReport(report: PortsReport): void {
    this.report = report;
    this.selected = Math.min(this.selected, Math.max(0, report.services.length - 1));
  }

  addLines(lines: ViewLine[]): void {
    for (const line of lines) this.logs.add(line);
  }

  /** A message in the info row for a few seconds: what an action did, or could not do. */
  say(text: string): void {
    this.message = { text, until: this.now() + MESSAGE_MS };
  }

  get selectedService(): string | undefined {
    return this.report?.services[this.selected]?.service;
  }

  press(key: Key): UiCommand[] {
    if (this.typing !== undefined) return this.typeQuery(key);
    if (this.overlay && (key.name === 'escape' || (key.name === 'char' && 'q?t'.includes(key.char)))) {
      const closing = this.overlay;
      this.overlay = undefined;
      // `t` from help shows the table; `?` from the table shows help.
      if (key.name === 'char' && key.char === '?' && closing !== 'help') this.overlay = 'help';
      if (key.name === 'char' && key.char === 't' && closing !== 'table') this.overlay = 'table';
      return [];
    }
    switch (key.name) {
      case 'ctrl-c':
        return [{ kind: 'quit' }];
      case 'up':
      case 'down':
        return this.move(key.name === 'up' ? -1 : 1);
      case 'pageup':
        return this.scrollBy(-this.pageRows());
      case 'pagedown':
        return this.scrollBy(this.pageRows());
      case 'home':
        this.follow = false;
        this.bottom = this.ring().start;
        this.clampBottom();
        return [];
      case 'end':
        this.follow = true;
        return [];
      case 'enter':
      case 'tab':
        this.focus = this.focus === 'list' ? 'logs' : 'list';
        return [];
      case 'escape':
        this.query = '';
        this.current = undefined;
        return [];
      case 'wheel':
        return this.scrollBy(key.direction === 'up' ? -WHEEL_LINES : WHEEL_LINES);
      case 'click':
        return this.click(key.row);
      case 'char':
        return this.pressChar(key.char);
      default:
        return [];
    }
  }

  private pressChar(char: string): UiCommand[] {
    const service = this.selectedService;
    switch (char) {
      case 'k':
        return this.move(-1);
      case 'j':
        return this.move(1);
      case 'q':
        return [{ kind: 'quit' }];
      case 'a':
        this.showAll = !this.showAll;
        this.follow = true;
        this.current = undefined; // a line number of the other list
        return [];
      case 'f':
        if (this.follow) this.bottom = this.ring().end;
        this.follow = !this.follow;
        return [];
      case 't':
        this.overlay = 'table';
        return [];
      case '?':
        this.overlay = 'help';
        return [];
      case '/':
        this.typing = '';
        return [];
      case 'n':
        return this.findMatch(-1);
      case 'N':
        return this.findMatch(1);
      case 'r':
        if (service === undefined) return [];
        this.say(`restarting ${service}…`);
        return [{ kind: 'restart', service }];
      case 's': {
        const status = this.report?.services[this.selected]?.status;
        if (service === undefined || status === undefined) return [];
        const kind = STOPPABLE.has(status) ? 'stop' : 'start';
        this.say(`${kind === 'stop' ? 'stopping' : 'starting'} ${service}…`);
        return [{ kind, service }];
      }
      default:
        return [];
    }
  }

  private typeQuery(key: Key): UiCommand[] {
    const typed = this.typing ?? '';
    switch (key.name) {
      case 'escape':
      case 'ctrl-c':
        this.typing = undefined;
        return [];
      case 'backspace':
        this.typing = typed.slice(0, -1);
        return [];
      case 'enter':
        this.typing = undefined;
        this.query = typed;
        this.current = undefined;
        if (typed !== '') this.findMatch(-1, this.follow ? this.ring().end : this.bottom);
        return [];
      case 'char':
        this.typing = typed + key.char;
        return [];
      default:
        return [];
    }
  }

  /** The next match up (-1, older) or down (+1, newer) from the current one, or from `from`. */
  private findMatch(direction: -1 | 1, from?: number): UiCommand[] {
    if (this.query === '') {
      this.say('no search yet: / then what to look for, then Enter');
      return [];
    }
    const ring = this.ring();
    const start = from ?? this.current ?? (this.follow ? ring.end : this.bottom);
    for (let index = from === undefined ? start + direction : start - 1; index >= ring.start && index < ring.end; index += direction) {
      if (matches(ring.at(index)!.text, this.query)) {
        this.current = index;
        this.follow = false;
        // The match in the middle of the pane, where the lines around it show.
        this.bottom = index + Math.ceil(this.pageRows() / 2);
        this.clampBottom();
        return [];
      }
    }
    this.say(`no ${from === undefined ? (direction < 0 ? 'older' : 'newer') + ' ' : ''}line matches "${this.query}"`);
    return [];
  }

  private move(step: -1 | 1): UiCommand[] {
    if (this.focus === 'logs') return this.scrollBy(step);
    const count = this.report?.services.length ?? 0;
    if (count === 0) return [];
    this.selected = Math.min(count - 1, Math.max(0, this.selected + step));
    this.showService();
    return [];
  }

  private showService(): void {
    this.showAll = false;
    this.follow = true;
    this.current = undefined;
  }

  private click(row: number): UiCommand[] {
    const layout = this.lastLayout;
    if (!layout) return [];
    const index = row - 1 - layout.listTop;
    if (index >= 0 && index < layout.listRows && this.listOffset + index < (this.report?.services.length ?? 0)) {
      this.selected = this.listOffset + index;
      this.focus = 'list';
      this.showService();
    } else if (row - 1 >= layout.logTop) {
      this.focus = 'logs';
    }
    return [];
  }

  private scrollBy(lines: number): UiCommand[] {
    const ring = this.ring();
    if (this.follow) this.bottom = ring.end;
    this.follow = false;
    this.bottom += lines;
    this.clampBottom();
    if (this.bottom >= ring.end && lines > 0) this.follow = true;
    return [];
  }

  private clampBottom(): void {
    const ring = this.ring();
    const rows = this.pageRows();
    this.bottom = Math.min(ring.end, Math.max(Math.min(ring.end, ring.start + rows), this.bottom));
  }

  private pageRows(): number {
    return Math.max(1, (this.lastLayout?.logRows ?? MIN_LOG_ROWS) - 1);
  }

  private ring(): LineRing {
    return this.logs.lines(this.showAll ? undefined : this.selectedService);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** The screen's rows for this size, each padded to `width`. */
  render(width: number, height: number): string[] {
    if (width < MIN_WIDTH || height < MIN_HEIGHT) return this.renderTooSmall(width, height);
    const services = this.report?.services ?? [];
    const footer = this.renderFooter(width);
    const frameRows = FRAME_ROWS + footer.length;
    const listRows = Math.max(1, Math.min(services.length, height - frameRows - MIN_LOG_ROWS));
    const layout: Layout = { width, listTop: 2, listRows, logTop: 2 + listRows + 2, logRows: height - frameRows - listRows };
    this.lastLayout = layout;
    this.scrollList(listRows);
    const rows = [this.renderHeader(width), this.renderColumnNames(width, services)];
    for (let row = 0; row < listRows; row += 1) {
      const service = services[this.listOffset + row];
      rows.push(service ? this.renderService(service, this.listOffset + row, width, services) : ' '.repeat(width));
    }
    rows.push(this.renderInfo(width));
    rows.push(this.renderPaneTitle(width));
    rows.push(...this.renderPane(width, layout.logRows, services));
    rows.push(...footer);
    return rows;
  }

  private renderTooSmall(width: number, height: number): string[] {
    const text = `devsup ui needs a terminal of at least ${MIN_WIDTH}×${MIN_HEIGHT}; this one is ${width}×${height}. Make it larger (q quits).`;
    const words = text.split(' ');
    const lines: string[] = [];
    for (const word of words) {
      const last = lines.at(-1);
      if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
      else lines.push(word);
    }
    return Array.from({ length: height }, (_, row) => fitPlain(lines[row] ?? '', width));
  }

  private scrollList(listRows: number): void {
    if (this.selected < this.listOffset) this.listOffset = this.selected;
    if (this.selected >= this.listOffset + listRows) this.listOffset = this.selected - listRows + 1;
  }

  private renderHeader(width: number): string {
    const report = this.report;
    const what = report ? `${report.project} · ${report.services.length} services · devsup pid ${report.pid}` : 'connecting…';
    const quit = this.options.mode === 'up' ? 'q stops every service' : 'q closes the view; the services keep running';
    const left = ` devsup ui · ${what}`;
    const gap = Math.max(1, width - displayWidth(left) - quit.length - 1);
    return this.colors.inverse(fitPlain(`${left}${' '.repeat(gap)}${quit}`, width));
  }

  private nameWidth(services: ServiceReport[]): number {
    // Columns on screen: a title in CJK takes two per character.
    return Math.min(24, Math.max(7, ...services.map((service) => displayWidth(service.title))));
  }

  private renderColumnNames(width: number, services: ServiceReport[]): string {
    const name = this.nameWidth(services);
    const status = width - COLUMNS.marker - name - COLUMNS.port - COLUMNS.restarts - COLUMNS.uptime - COLUMNS.cpu - COLUMNS.rss - 6;
    const cells = [
      ' '.repeat(COLUMNS.marker) + fitPlain('SERVICE', name),
      fitPlain('STATUS', status),
      fitPlain('PORT', COLUMNS.port),
      rightAlign('RESTARTS', COLUMNS.restarts),
      rightAlign('UPTIME', COLUMNS.uptime),
      rightAlign('CPU%', COLUMNS.cpu),
      rightAlign('RSS', COLUMNS.rss),
    ];
    return this.colors.bold(fitPlain(cells.join(' '), width));
  }

  private renderService(service: ServiceReport, index: number, width: number, services: ServiceReport[]): string {
    const name = this.nameWidth(services);
    const statusWidth = width - COLUMNS.marker - name - COLUMNS.port - COLUMNS.restarts - COLUMNS.uptime - COLUMNS.cpu - COLUMNS.rss - 6;
    const selected = index === this.selected;
    const marker = selected ? (this.focus === 'list' ? '▶ ' : '> ') : '  ';
    const said = [statusWithDetail(service), fallbackHolder(service)];
    const statusText = fitPlain(said.filter((part) => part !== undefined).join(' · '), statusWidth);
    const color = STATUS_COLORS[service.status];
    const painted = color ? this.colors[color](statusText) : statusText;
    const port = service.port === null ? '-' : `${service.port}${explainDisplacement(service) ? '!' : ''}`;
    const running = service.pid !== null;
    const row = [
      marker + this.colors[PALETTE[index % PALETTE.length]!](fitPlain(service.title, name)),
      painted,
      fitPlain(port, COLUMNS.port),
      rightAlign(String(service.restarts), COLUMNS.restarts),
      rightAlign(running && service.startedAt !== undefined ? formatUptime(this.now() - Date.parse(service.startedAt)) : '-', COLUMNS.uptime),
      rightAlign(running && service.cpuPercent !== undefined ? service.cpuPercent.toFixed(1) : '-', COLUMNS.cpu),
      rightAlign(running && service.rssBytes !== undefined ? formatBytes(service.rssBytes) : '-', COLUMNS.rss),
    ].join(' ');
    const line = fitLine(row, width, this.options.color);
    return selected && this.options.color ? `\x1b[7m${line.replaceAll('\x1b[0m', '\x1b[0m\x1b[7m')}\x1b[0m` : line;
  }

  /** The selected service's URL, pid and why its port is a fallback; or, for a while, what an action did. */
  private renderInfo(width: number): string {
    if (this.message && this.message.until > this.now()) return this.colors.yellow(fitPlain(` ${this.message.text}`, width));
    this.message = undefined;
    const service = this.report?.services[this.selected];
    if (!service) return ' '.repeat(width);
    // Why the port is a fallback first: the holder's command line may be long, and what matters is who it is.
    const displaced = explainDisplacement(service);
    const parts = [displaced && `! ${displaced}`, service.url ?? undefined, service.pid === null ? undefined : `pid ${service.pid}`];
    const text = ` ${service.service}: ${parts.filter((part) => part !== undefined).join(' · ') || 'not running'}`;
    return fitPlain(text, width);
  }

  private renderPaneTitle(width: number): string {
    const what =
      this.overlay === 'help' ? 'help' : this.overlay === 'table' ? 'port table' : this.showAll ? 'all services' : `${this.selectedService ?? ''}`;
    const parts = [what, this.follow ? 'following' : 'held (f follows)'];
    if (this.query !== '') parts.push(`search "${this.query}" (n older, N newer, Esc clears)`);
    if (this.focus === 'logs') parts.push('↑↓ scroll');
    const text = `── ${parts.join(' · ')} `;
    return this.colors.dim(fitPlain(text + '─'.repeat(Math.max(0, width)), width));
  }

  private renderPane(width: number, rows: number, services: ServiceReport[]): string[] {
    if (this.overlay) {
      const text =
        this.overlay === 'help' ? HELP_LINES : this.report ? renderPortTable(this.report, { color: this.options.color, width }).split('\n') : [];
      return Array.from({ length: rows }, (_, row) => fitLine(text[row] ?? '', width, this.options.color));
    }
    const ring = this.ring();
    if (this.follow) this.bottom = ring.end;
    this.clampBottom();
    const top = Math.max(ring.start, this.bottom - rows);
    const keys = services.map((service) => service.service);
    const prefixWidth = Math.max(0, ...keys.map((key) => key.length));
    const out: string[] = [];
    for (let index = top; index < top + rows; index += 1) {
      const line = index < this.bottom ? ring.at(index) : undefined;
      out.push(line ? this.renderLine(line, index, width, keys, prefixWidth) : ' '.repeat(width));
    }
    return out;
  }

  private renderLine(line: ViewLine, index: number, width: number, keys: string[], prefixWidth: number): string {
    let prefix = '';
    if (this.showAll) {
      const paint = PALETTE[Math.max(0, keys.indexOf(line.service)) % PALETTE.length]!;
      prefix = `${this.colors[paint](line.service.padEnd(prefixWidth))} | `;
    }
    const rest = width - (this.showAll ? prefixWidth + 3 : 0);
    if (line.note) return prefix + this.colors.dim(fitPlain(`devsup: ${line.text}`, rest));
    if (this.query !== '' && matches(line.text, this.query)) {
      const style = index === this.current && this.options.color ? { on: '\x1b[30;43m', off: '\x1b[0m' } : { on: '\x1b[7m', off: '\x1b[27m' };
      return prefix + highlightLine(line.text, this.query, rest, style);
    }
    return prefix + fitLine(line.text, rest, this.options.color);
  }

  /** The keys, or while a search is typed what was typed; as many rows as the keys take. */
  private renderFooter(width: number): string[] {
    const keys = footerRows(width - 1);
    if (this.typing !== undefined) return keys.map((_, row) => fitPlain(row === 0 ? `/${this.typing}▏ Enter searches · Esc cancels` : '', width));
    return keys.map((row) => this.colors.dim(fitPlain(` ${row}`, width)));
  }
}

interface Layout {
  width: number;
  listTop: number;
  listRows: number;
  logTop: number;
  logRows: number;
}

/** `pending waiting for db (ready)`; a detail that says the status already stands alone: `exited with code 0`. */
function statusWithDetail(service: ServiceReport): string {
  if (!service.detail) return service.status;
  return service.detail.startsWith(service.status) ? service.detail : `${service.status} ${service.detail}`;
}

/** For a fallback port, who has the preferred one, in a few words: `8080 held by nginx (pid 7)`; the info line says it whole. */
export function fallbackHolder(service: ServiceReport): string | undefined {
  if (service.port === null || service.preferred === null || service.port === service.preferred) return undefined;
  const holder = service.holder;
  if (holder?.pid != null && !holder.exited) {
    const program = holder.command?.split(' ')[0]?.split('/').at(-1);
    return `${service.preferred} held by ${program ? `${program} ` : ''}(pid ${holder.pid})`;
  }
  if (holder?.exited) return `${service.preferred} ${holder.freeNow ? 'is free now' : 'was held at start'}`;
  if (service.sibling) return `${service.preferred} taken by ${service.sibling}`;
  return service.note ? `${service.preferred}: ${service.note}` : `${service.preferred} not free`;
}

/** Every key, in the order of FOOTER_KEYS, in rows of at most `width` columns: one, or two from 80 columns down to about 65. */
export function footerRows(width: number): string[] {
  const rows: string[][] = [[]];
  for (const key of FOOTER_KEYS) {
    const row = rows.at(-1)!;
    if (row.length > 0 && displayWidth([...row, key].join(' · ')) > width) rows.push([key]);
    else row.push(key);
  }
  return rows.map((row) => row.join(' · '));
}

function rightAlign(text: string, width: number): string {
  return text.length >= width ? text.slice(0, width) : ' '.repeat(width - text.length) + text;
}

/** 45s, 3m12s, 2h05m, 3d04h. */
export function formatUptime(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h${String(minutes % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d${String(hours % 24).padStart(2, '0')}h`;
}

/** 512K, 12.3M, 1.2G. */
export function formatBytes(bytes: number): string {
  const kib = bytes / 1024;
  if (kib < 1024) return `${Math.round(kib)}K`;
  const mib = kib / 1024;
  if (mib < 1024) return `${mib < 100 ? mib.toFixed(1) : Math.round(mib)}M`;
  return `${(mib / 1024).toFixed(1)}G`;
}
