import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { renderPortTable, renderPortsJson } from './port-table.js';
import type { PortsReport, ServiceReport } from './ports-report.js';

function service(fields: Partial<ServiceReport> & Pick<ServiceReport, 'service'>): ServiceReport {
  const port = fields.port === undefined ? 8000 : fields.port;
  return {
    title: fields.service,
    port,
    ports: port === null ? {} : { default: port },
    preferred: port,
    status: 'ready',
    pid: 1000,
    restarts: 0,
    url: port === null ? null : `http://localhost:${port}`,
    ...fields,
  };
}

const designExample: PortsReport = {
  project: 'assistant',
  pid: 41200,
  manifest: 'services.yaml',
  services: [
    service({ service: 'tools', title: 'Tool Server (MCP)', port: 8763, pid: 41211 }),
    service({
      service: 'llm',
      title: 'LLM Server (default)',
      port: 10502,
      preferred: 10500,
      pid: 41230,
      holder: { pid: 3907, command: 'python3 -m http.server 10500' },
    }),
    service({ service: 'llm-alt', title: 'LLM Server (phi4_assistant)', port: 10501, pid: 41244, restarts: 1 }),
  ],
};

const stripAnsi = stripVTControlCharacters;

describe('renderPortTable', () => {
  it('prints the table exactly as the README shows it', () => {
    expect(renderPortTable(designExample, { color: false })).toBe(
      [
        'SERVICE                      PORT   PREFERRED  STATUS   PID    RESTARTS  URL',
        'Tool Server (MCP)            8763   8763       ready    41211  0         http://localhost:8763',
        'LLM Server (default)         10502  10500 !    ready    41230  0         http://localhost:10502',
        'LLM Server (phi4_assistant)  10501  10501      ready    41244  1         http://localhost:10501',
        '! 10500 is held by pid 3907: python3 -m http.server 10500',
      ].join('\n'),
    );
  });

  it('lines up the columns after a title with wide characters (CJK, emoji), coloured or not', () => {
    const report: PortsReport = {
      ...designExample,
      services: [
        service({ service: 'ja', title: '日本語サーバー', port: 8000, pid: 10 }),
        service({ service: 'static', title: 'Static ✨', port: 8001, pid: 11 }),
      ],
    };
    const expected = [
      'SERVICE         PORT  PREFERRED  STATUS   PID  RESTARTS  URL',
      '日本語サーバー  8000  8000       ready    10   0         http://localhost:8000',
      'Static ✨       8001  8001       ready    11   0         http://localhost:8001',
    ].join('\n');
    expect(renderPortTable(report, { color: false })).toBe(expected);
    expect(stripAnsi(renderPortTable(report, { color: true }))).toBe(expected);
  });

  it('explains siblings, notes and unknown holders, prints - for missing values and details last', () => {
    const report: PortsReport = {
      ...designExample,
      services: [
        service({ service: 'api', port: 3000, status: 'running', pid: 10 }),
        service({ service: 'web', port: 3001, preferred: 3000, sibling: 'api', status: 'starting', pid: 11 }),
        service({
          service: 'admin',
          port: 8081,
          preferred: 80,
          note: 'permission denied (privileged port)',
          status: 'restarting',
          pid: 12,
          restarts: 2,
        }),
        service({ service: 'legacy', port: 9001, preferred: 9000, holder: { pid: null, command: null }, pid: 13 }),
        service({ service: 'worker', port: null, status: 'pending', pid: null, detail: 'blocked by migrate (exited 1)' }),
        service({ service: 'migrate', port: null, status: 'crashed', pid: null, restarts: 5, detail: 'exited with code 1' }),
      ],
    };
    expect(renderPortTable(report, { color: false })).toBe(
      [
        'SERVICE  PORT  PREFERRED  STATUS      PID  RESTARTS  URL',
        'api      3000  3000       running     10   0         http://localhost:3000',
        'web      3001  3000 !     starting    11   0         http://localhost:3001',
        'admin    8081  80 !       restarting  12   2         http://localhost:8081',
        'legacy   9001  9000 !     ready       13   0         http://localhost:9001',
        'worker   -     -          pending     -    0         -',
        'migrate  -     -          crashed     -    5         -',
        '! 3000 is preferred by api, which came first',
        '! 80: permission denied (privileged port)',
        '! 9000 is held by another process',
        '  worker: blocked by migrate (exited 1)',
        '  migrate: exited with code 1',
      ].join('\n'),
    );
  });

  it('says `detached` in the JSON, after the manifest, only for an instance in the background', () => {
    expect(Object.keys(JSON.parse(renderPortsJson({ ...designExample, detached: true })))).toEqual([
      'project',
      'pid',
      'manifest',
      'detached',
      'services',
    ]);
    expect(JSON.parse(renderPortsJson(designExample))).not.toHaveProperty('detached');
  });

  it('prints a holder without a known command by pid alone', () => {
    const report = { ...designExample, services: [service({ service: 'db', port: 5433, preferred: 5432, holder: { pid: 77, command: null } })] };
    expect(renderPortTable(report, { color: false }).split('\n').at(-1)).toBe('! 5432 is held by pid 77');
  });

  it("marks a holder that is another devsup instance's service with its manifest", () => {
    const devsup = { service: 'llm', instance: 5100, manifest: '/home/b/other/services.yaml' };
    const report = {
      ...designExample,
      services: [service({ service: 'llm', port: 10502, preferred: 10500, holder: { pid: 5120, command: 'node llm.js', devsup } })],
    };
    expect(renderPortTable(report, { color: false }).split('\n').at(-1)).toBe(
      '! 10500 is held by pid 5120: node llm.js (devsup: service llm of /home/b/other/services.yaml)',
    );
    expect(JSON.parse(renderPortsJson(report)).services[0].holder).toEqual({ pid: 5120, command: 'node llm.js', devsup });
  });

  it('adds a LAST RUN column after the seven fixed columns once there was a last run', () => {
    const report: PortsReport = {
      ...designExample,
      services: [
        service({ service: 'tools', port: 8763, lastRun: 'same' }),
        service({ service: 'llm', port: 10503, preferred: 10500, holder: { pid: 3907, command: 'python3' }, lastRun: 'new', lastRunPort: 10502 }),
        service({ service: 'added', port: 10510, lastRun: 'new' }),
        service({ service: 'jobs', port: null, status: 'exited', pid: null }),
      ],
    };
    expect(renderPortTable(report, { color: false })).toBe(
      [
        'SERVICE  PORT   PREFERRED  STATUS   PID   RESTARTS  URL                     LAST RUN',
        'tools    8763   8763       ready    1000  0         http://localhost:8763   same',
        'llm      10503  10500 !    ready    1000  0         http://localhost:10503  new (was 10502)',
        'added    10510  10510      ready    1000  0         http://localhost:10510  new',
        'jobs     -      -          exited   -     0         -                       -',
        '! 10500 is held by pid 3907: python3',
      ].join('\n'),
    );
    const json = JSON.parse(renderPortsJson(report)).services;
    expect(json.map((s: ServiceReport) => [s.lastRun, s.lastRunPort])).toEqual([
      ['same', undefined],
      ['new', 10502],
      ['new', undefined],
      [undefined, undefined],
    ]);
    expect(renderPortTable(designExample, { color: false })).not.toContain('LAST RUN');
  });

  it('on a narrow terminal leaves out LAST RUN, RESTARTS, PID, then PREFERRED (the `!` moving to PORT), then cuts titles: no row wraps', () => {
    const report: PortsReport = {
      ...designExample,
      services: designExample.services.map((entry, index) => ({ ...entry, lastRun: index === 1 ? 'new' : 'same' })),
    };
    const rows = (width: number) => renderPortTable(report, { color: false, width }).split('\n').slice(0, 4);
    expect(rows(200)[0]).toMatch(/^SERVICE +PORT +PREFERRED +STATUS +PID +RESTARTS +URL +LAST RUN$/);
    expect(rows(90)[0]).toMatch(/^SERVICE +PORT +PREFERRED +STATUS +PID +URL$/);
    expect(rows(70)).toEqual([
      'SERVICE                      PORT     STATUS   URL',
      'Tool Server (MCP)            8763     ready    http://localhost:8763',
      'LLM Server (default)         10502 !  ready    http://localhost:10502',
      'LLM Server (phi4_assistant)  10501    ready    http://localhost:10501',
    ]);
    expect(rows(60)).toEqual([
      'SERVICE             PORT     STATUS   URL',
      'Tool Server (MCP)   8763     ready    http://localhost:8763',
      'LLM Server (defau…  10502 !  ready    http://localhost:10502',
      'LLM Server (phi4_…  10501    ready    http://localhost:10501',
    ]);
    for (const width of [60, 70, 80, 90, 100]) for (const row of rows(width)) expect(row.length, row).toBeLessThanOrEqual(width);
    // The `!` lines under it say why, whatever the width.
    expect(renderPortTable(report, { color: false, width: 60 })).toContain('! 10500 is held by pid 3907: python3 -m http.server 10500');
  });

  it('colours statuses and warnings only when asked, leaving the layout unchanged', () => {
    const report: PortsReport = {
      ...designExample,
      services: [
        ...designExample.services,
        service({ service: 'x', port: 1, status: 'crashed' }),
        service({ service: 'y', port: 2, status: 'pending' }),
        service({ service: 'z', port: 3, status: 'stopped' }),
      ],
    };
    const plain = renderPortTable(report, { color: false });
    const colored = renderPortTable(report, { color: true });
    expect(stripAnsi(plain)).toBe(plain);
    expect(stripAnsi(colored)).toBe(plain);
    const lines = colored.split('\n');
    expect(lines[1]).toContain('\x1b[32mready\x1b[39m');
    expect(lines[4]).toContain('\x1b[31mcrashed\x1b[39m');
    expect(lines[5]).toContain('\x1b[33mpending\x1b[39m');
    expect(stripAnsi(lines[6]!)).toBe(lines[6]);
    expect(lines[7]).toBe('\x1b[33m! 10500 is held by pid 3907: python3 -m http.server 10500\x1b[39m');
  });
});

describe('renderPortsJson', () => {
  it('prints the shape docs/output-formats.md documents, in its key order, whatever order the report was built in', () => {
    const report: PortsReport = {
      services: [
        {
          holder: { command: 'python3 -m http.server 10500', pid: 3907 },
          url: 'http://localhost:10502',
          restarts: 0,
          pid: 41230,
          status: 'ready',
          preferred: 10500,
          ports: { default: 10502 },
          port: 10502,
          title: 'LLM Server (default)',
          service: 'llm',
        },
        {
          service: 'jobs',
          title: 'jobs',
          port: null,
          ports: {},
          preferred: null,
          status: 'pending',
          detail: 'blocked by db (crashed)',
          pid: null,
          restarts: 0,
          url: null,
        },
      ],
      manifest: 'services.yaml',
      pid: 41200,
      project: 'assistant',
    };
    expect(renderPortsJson(report)).toBe(`{
  "project": "assistant",
  "pid": 41200,
  "manifest": "services.yaml",
  "services": [
    {
      "service": "llm",
      "title": "LLM Server (default)",
      "port": 10502,
      "ports": {
        "default": 10502
      },
      "preferred": 10500,
      "status": "ready",
      "pid": 41230,
      "restarts": 0,
      "url": "http://localhost:10502",
      "holder": {
        "pid": 3907,
        "command": "python3 -m http.server 10500"
      }
    },
    {
      "service": "jobs",
      "title": "jobs",
      "port": null,
      "ports": {},
      "preferred": null,
      "status": "pending",
      "detail": "blocked by db (crashed)",
      "pid": null,
      "restarts": 0,
      "url": null
    }
  ]
}`);
  });
});
