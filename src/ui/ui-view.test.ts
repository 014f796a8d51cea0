import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { PortsReport, ServiceReport } from '../output/ports-report.js';
import { displayWidth } from '../output/columns.js';
import { decodeKeys } from './decode-keys.js';
import { fallbackHolder, footerRows, formatBytes, formatUptime, UiView, type UiCommand } from './ui-view.js';

const NOW = 1_000_000;

function service(key: string, fields: Partial<ServiceReport> = {}): ServiceReport {
  return {
    service: key,
    title: key,
    port: null,
    ports: {},
    preferred: null,
    status: 'running',
    pid: 100,
    restarts: 0,
    url: null,
    startedAt: new Date(NOW - 65_000).toISOString(),
    cpuPercent: 12.5,
    rssBytes: 30 * 1024 * 1024,
    ...fields,
  };
}

function report(services: ServiceReport[]): PortsReport {
  return { project: 'shop', pid: 42, manifest: 'services.yaml', services };
}

function viewWith(services: ServiceReport[], mode: 'ui' | 'up' = 'ui'): UiView {
  const view = new UiView({ mode, color: false, now: () => NOW });
  view.setReport(report(services));
  return view;
}

/** Keys as a terminal sends them, and the commands they gave. */
function type(view: UiView, keys: string): UiCommand[] {
  return decodeKeys(keys).flatMap((key) => view.press(key));
}

const screen = (view: UiView, width = 100, height = 30) => view.render(width, height);
const titleRow = (rows: string[]) => rows.findIndex((row) => row.startsWith('── '));
/** The log pane's rows: between the pane's title and the footer (one row or two, as wide as the screen allows). */
const logRows = (rows: string[]) => rows.slice(titleRow(rows) + 1, -footerRows(rows[0]!.length - 1).length).map((row) => row.trimEnd());
const paneTitle = (rows: string[]) => rows[titleRow(rows)]!;
const infoLine = (rows: string[]) => rows[titleRow(rows) - 1]!;

describe('UiView', () => {
  it('draws rows exactly as wide as the screen: header, list, info, pane title, logs, footer', () => {
    const view = viewWith([service('api', { port: 8081, preferred: 8080, holder: { pid: 7, command: 'nginx' } }), service('db')]);
    view.addLines([{ service: 'api', text: 'hello' }]);
    const rows = screen(view);
    expect(rows).toHaveLength(30);
    for (const row of rows) expect(row.length).toBe(100);
    expect(rows[0]).toContain('devsup ui · shop · 2 services · devsup pid 42');
    expect(rows[0]).toContain('q closes the view; the services keep running');
    expect(rows[2]).toMatch(/^▶ api +running · 8080 held by nginx \(pid 7\) +8081! +0 +1m05s +12\.5 +30\.0M$/);
    expect(rows[4]).toContain('api: ! 8080 is held by pid 7: nginx · pid 100');
    expect(rows[5]).toMatch(/^── all services · following/);
    expect(rows[6]).toMatch(/^api \| hello +$/);
    expect(rows.slice(-2).join(' ')).toContain('r restart');
  });

  it('gives a title in wide characters its columns on screen, and says a status once', () => {
    const view = new UiView({ mode: 'ui', color: false, now: () => NOW });
    view.setReport({
      ...report([
        service('ja', { title: '日本語サーバー' }),
        service('migrate', { status: 'exited', detail: 'exited with code 0', pid: null }),
        service('db', { status: 'pending', detail: 'waiting for cache (ready)', pid: null }),
      ]),
      project: 'ショップ',
    });
    const rows = screen(view);
    for (const row of rows) expect(displayWidth(row), row).toBe(100);
    expect(rows[0]!.trimEnd()).toMatch(/q closes the view; the services keep running$/);
    expect(rows[2]).toMatch(/^▶ 日本語サーバー running /);
    expect(rows[3]).toMatch(/^ {2}migrate +exited with code 0 /);
    expect(rows[4]).toMatch(/^ {2}db +pending waiting for cache \(ready\) /);
  });

  it('selecting a service shows its lines alone; a shows all again', () => {
    const view = viewWith([service('api'), service('db')]);
    view.addLines([
      { service: 'api', text: 'from api' },
      { service: 'db', text: 'from db' },
    ]);
    type(view, 'j');
    expect(view.selectedService).toBe('db');
    expect(logRows(screen(view)).filter(Boolean)).toEqual(['from db']);
    type(view, 'a');
    expect(logRows(screen(view)).filter(Boolean)).toEqual(['api | from api', 'db  | from db']);
  });

  it('r, s and q become commands; s starts a stopped service', () => {
    const view = viewWith([service('api'), service('db', { status: 'stopped', pid: null })]);
    expect(type(view, 'r')).toEqual([{ kind: 'restart', service: 'api' }]);
    expect(type(view, 's')).toEqual([{ kind: 'stop', service: 'api' }]);
    expect(type(view, '\x1b[Bs')).toEqual([{ kind: 'start', service: 'db' }]);
    expect(type(view, 'q')).toEqual([{ kind: 'quit' }]);
    expect(type(view, '\x03')).toEqual([{ kind: 'quit' }]);
  });

  it('s stops a service that runs but fails its health check, as it stops any running one', () => {
    const view = viewWith([service('api', { status: 'unhealthy', detail: 'http /health → 503 (1 of 3 failed checks)' })]);
    expect(type(view, 's')).toEqual([{ kind: 'stop', service: 'api' }]);
  });

  it('after a switches between one service and all, n searches from the newest line of the list shown', () => {
    const view = viewWith([service('api'), service('db')]);
    view.addLines([
      { service: 'api', text: 'match 1' },
      ...Array.from({ length: 100 }, (_, n) => ({ service: 'db', text: `db ${n}` })),
      { service: 'api', text: 'match 2' },
    ]);
    type(view, '/match\r'); // all: match 2 is line 101 of the merged list
    expect(screen(view).some((row) => stripVTControlCharacters(row).includes('api | match 2'))).toBe(true);
    type(view, 'a'); // api alone: two lines
    type(view, 'n');
    // The older match from the newest line of api's list, not from line 101 of the merged one.
    expect(logRows(screen(view)).filter(Boolean).map(stripVTControlCharacters)).toEqual(['match 1', 'match 2']);
    expect(infoLine(screen(view))).not.toContain('no older line matches');
  });

  it('scrolls back through 10,000 lines of a service, holds still while new ones come, and follows again', () => {
    const view = viewWith([service('api')]);
    view.addLines(Array.from({ length: 12_000 }, (_, n) => ({ service: 'api', text: `line ${n}` })));
    type(view, 'j'); // api alone
    expect(logRows(screen(view)).at(-1)).toBe('line 11999');
    type(view, '\x1b[H'); // Home: the oldest line kept
    expect(logRows(screen(view))[0]).toBe('line 2000');
    view.addLines([{ service: 'api', text: 'line 12000' }]);
    // The oldest line fell out of the ring: the view shows the oldest kept, still not following.
    expect(logRows(screen(view))[0]).toBe('line 2001');
    expect(paneTitle(screen(view))).toContain('held (f follows)');
    type(view, '\x1b[6~'); // PgDn
    expect(logRows(screen(view))[0]).toBe(`line ${2001 + 21}`);
    type(view, '\x1b[F'); // End
    expect(logRows(screen(view)).at(-1)).toBe('line 12000');
    expect(paneTitle(screen(view))).toContain('following');
  });

  it('f holds the pane still as lines arrive, and follows again; Tab gives ↑↓ to the logs, Enter back to the list; the wheel scrolls', () => {
    const view = viewWith([service('api'), service('db')]);
    view.addLines(Array.from({ length: 100 }, (_, n) => ({ service: 'api', text: `line ${n}` })));
    type(view, 'f');
    view.addLines([{ service: 'api', text: 'line 100' }]);
    expect(logRows(screen(view)).at(-1)).toContain('line 99');
    expect(paneTitle(screen(view))).toContain('held (f follows)');
    type(view, 'f');
    expect(logRows(screen(view)).at(-1)).toContain('line 100');

    type(view, '\t'); // the logs: ↑ scrolls a line, the selection stays
    expect(paneTitle(screen(view))).toContain('↑↓ scroll');
    type(view, '\x1b[A');
    expect(view.selectedService).toBe('api');
    expect(logRows(screen(view)).at(-1)).toContain('line 99');
    type(view, '\r\x1b[B'); // the list again: ↓ selects db
    expect(view.selectedService).toBe('db');

    type(view, 'a\x1b[<64;1;10M'); // all, then the wheel up: three lines
    expect(logRows(screen(view)).at(-1)).toContain('line 97');
    type(view, '\x1b[5~'); // PgUp: a page more
    expect(logRows(screen(view)).at(-1)).toContain(`line ${97 - (logRows(screen(view)).length - 1)}`);
  });

  it('/ searches back from the newest line, highlights the match, n and N move between matches', () => {
    const view = viewWith([service('api')]);
    view.addLines(Array.from({ length: 100 }, (_, n) => ({ service: 'api', text: n % 30 === 0 ? `Error number ${n}` : `ok ${n}` })));
    type(view, 'j/error\r');
    let rows = screen(view);
    expect(paneTitle(rows)).toContain('search "error"');
    const match = rows.findIndex((row) => row.includes('number 90'));
    expect(rows[match]).toBe(`\x1b[7mError\x1b[27m number 90${' '.repeat(100 - 'Error number 90'.length)}`);
    type(view, 'n');
    rows = screen(view);
    expect(rows.some((row) => row.includes('number 60'))).toBe(true);
    expect(rows.some((row) => row.includes('number 90'))).toBe(false);
    type(view, 'nnn');
    expect(infoLine(screen(view))).toContain('no older line matches "error"');
    type(view, 'N');
    expect(screen(view).some((row) => row.includes('number 30'))).toBe(true);
    type(view, '/Error 9\r'); // a capital letter: case matters
    expect(infoLine(screen(view))).toContain('no line matches "Error 9"');
  });

  it('an empty search clears the one before; n then says there is none', () => {
    const view = viewWith([service('api')]);
    view.addLines([{ service: 'api', text: 'error here' }]);
    type(view, '/error\r');
    expect(paneTitle(screen(view))).toContain('search "error"');
    type(view, '/\r');
    expect(paneTitle(screen(view))).not.toContain('search');
    type(view, 'n');
    expect(infoLine(screen(view))).toContain('no search yet');
  });

  it('shows the help and the port table in the pane until Esc or q', () => {
    const view = viewWith([service('api')]);
    type(view, '?');
    expect(screen(view).join('\n')).toContain('n older match, N newer');
    expect(type(view, 'q')).toEqual([]);
    type(view, 't');
    expect(screen(view).join('\n')).toMatch(/SERVICE +PORT +PREFERRED +STATUS/);
    type(view, '\x1b');
    expect(paneTitle(screen(view))).toContain('all services');
  });

  it('fits the port table to the pane, leaving columns out rather than cutting the URL', () => {
    const api = service('api', { title: 'API Gateway (internal)', port: 10502, preferred: 10500, url: 'http://localhost:10502', lastRun: 'same' });
    const view = viewWith([api]);
    type(view, 't');
    const rows = logRows(screen(view, 80));
    expect(rows[0]).toMatch(/^SERVICE +PORT +PREFERRED +STATUS +PID +URL$/);
    expect(rows[1]).toMatch(/^API Gateway \(internal\) +10502 +10500 ! +running +100 +http:\/\/localhost:10502$/);
  });

  it('a click on a row selects that service', () => {
    const view = viewWith([service('api'), service('db'), service('web')]);
    screen(view);
    type(view, '\x1b[<0;5;5M'); // row 5: the third service
    expect(view.selectedService).toBe('web');
  });

  it('says the terminal is too small instead of drawing', () => {
    const rows = viewWith([service('api')]).render(60, 15);
    expect(rows).toHaveLength(15);
    expect(rows.join(' ').replace(/\s+/g, ' ')).toContain('devsup ui needs a terminal of at least 80×20; this one is 60×15.');
  });

  it('in up --ui, says q stops everything', () => {
    expect(screen(viewWith([service('api')], 'up'))[0]).toContain('q stops every service');
  });
});

describe('fallbackHolder', () => {
  it('says in a few words who has the preferred port, or why it was not given', () => {
    const fallback = { port: 8081, preferred: 8080 };
    expect(fallbackHolder(service('a', { ...fallback, holder: { pid: 7, command: '/usr/sbin/nginx -g daemon' } }))).toBe(
      '8080 held by nginx (pid 7)',
    );
    expect(fallbackHolder(service('a', { ...fallback, holder: { pid: 7, command: 'x', exited: true, freeNow: true } }))).toBe('8080 is free now');
    expect(fallbackHolder(service('a', { ...fallback, sibling: 'web' }))).toBe('8080 taken by web');
    expect(fallbackHolder(service('a', { ...fallback, note: 'leased by another instance' }))).toBe('8080: leased by another instance');
    expect(fallbackHolder(service('a', { port: 8080, preferred: 8080 }))).toBeUndefined();
  });
});

describe('the footer', () => {
  const EVERY_KEY = [
    '↑↓/jk select',
    'Enter/Tab list/logs',
    'r restart',
    's stop/start',
    'a all',
    't ports',
    '/ search',
    'f follow',
    '? help',
    'q quit',
  ];

  it('lists every key: on one row when the terminal is wide enough, else on two, help and quit last', () => {
    expect(footerRows(200)).toHaveLength(1);
    for (const width of [79, 99, 200]) {
      const rows = footerRows(width);
      for (const row of rows) expect(row.length, row).toBeLessThanOrEqual(width);
      for (const key of EVERY_KEY) expect(rows.join(' · '), `${key} at ${width}`).toContain(key);
      expect(rows.at(-1)).toMatch(/\? help · q quit$/);
    }
    expect(footerRows(79)).toEqual([
      '↑↓/jk select · Enter/Tab list/logs · r restart · s stop/start · a all · t ports',
      '/ search · f follow · PgUp/PgDn scroll · ? help · q quit',
    ]);
  });

  it('takes its rows from the log pane, at 80 columns as at 200', () => {
    const view = viewWith([service('api')]);
    for (const width of [80, 200]) {
      const rows = screen(view, width, 24);
      expect(rows).toHaveLength(24);
      const footer = rows.slice(-footerRows(width - 1).length).join(' ');
      for (const key of EVERY_KEY) expect(footer, `${key} at ${width}`).toContain(key);
    }
  });
});

describe('formats', () => {
  it('uptime and memory, short', () => {
    expect([5_000, 192_000, 7_500_000, 300_000_000].map(formatUptime)).toEqual(['5s', '3m12s', '2h05m', '3d11h']);
    expect([512 * 1024, 12.3 * 1024 * 1024, 300 * 1024 * 1024, 1.5 * 1024 ** 3].map(formatBytes)).toEqual(['512K', '12.3M', '300M', '1.5G']);
  });
});
