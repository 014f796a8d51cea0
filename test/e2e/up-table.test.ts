import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, fixtureArgv } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { parsePortTable, TABLE_HEADER } from '../helpers/parse-port-table.js';
import { runCli } from '../helpers/run-cli.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

/** The body of http-server.mjs's answer: the pid of the process that listens. */
async function pidAnswering(port: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/`);
  return Number((await response.text()).trim());
}

describe('devsup up with free preferred ports', () => {
  it('gives each service its preferred port and reports it in the table, ports --json, ps and ports.env', async () => {
    const port = await findFreePorts(2);
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  web:',
        '    title: Web Server',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${port}`,
        '  api-v2:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${port + 1}`,
        '',
      ].join('\n'),
    });
    const up = session.up(dir);
    await up.waitForOutput(new RegExp(`^api-v2 +${port + 1} .*http://localhost:${port + 1}$`, 'm'), 20_000);

    // The table `up` prints on stdout: header layout, one row per service, no `!` line.
    expect(up.stdout()).toMatch(TABLE_HEADER);
    const table = parsePortTable(up.stdout(), 2);
    expect(table.rows[0]).toMatchObject({
      SERVICE: 'Web Server',
      PORT: String(port),
      PREFERRED: String(port),
      STATUS: 'ready',
      RESTARTS: '0',
      URL: `http://localhost:${port}`,
    });
    expect(table.rows[1]).toMatchObject({
      SERVICE: 'api-v2',
      PORT: String(port + 1),
      PREFERRED: String(port + 1),
      STATUS: 'ready',
      RESTARTS: '0',
      URL: `http://localhost:${port + 1}`,
    });
    expect(table.rows[0]!.PID).toMatch(/^\d+$/);
    expect(table.notes).toEqual([]);

    // `devsup ports --json` from another process: exactly the shape docs/output-formats.md documents.
    const report = await session.portsJson(dir);
    expect(Object.keys(report)).toEqual(['project', 'pid', 'manifest', 'services']);
    expect(report.project).toBe(path.basename(dir));
    expect(report.pid).toBe(up.child.pid);
    expect(report.manifest).toBe('services.yaml');
    expect(report.services.map((service) => service.service)).toEqual(['web', 'api-v2']);
    const [web, api] = report.services;
    // A running service's CPU, memory and start come last (ports --json only: they change from one reading to the next).
    expect(Object.keys(web!)).toEqual([
      'service',
      'title',
      'port',
      'ports',
      'preferred',
      'status',
      'pid',
      'restarts',
      'url',
      'cpuPercent',
      'rssBytes',
      'startedAt',
    ]);
    expect(web).toEqual({
      service: 'web',
      title: 'Web Server',
      port,
      ports: { default: port },
      preferred: port,
      status: 'ready',
      pid: Number(table.rows[0]!.PID),
      restarts: 0,
      url: `http://localhost:${port}`,
      cpuPercent: expect.any(Number),
      rssBytes: expect.any(Number),
      startedAt: expect.any(String),
    });
    expect(api).toMatchObject({ service: 'api-v2', title: 'api-v2', port: port + 1, preferred: port + 1, status: 'ready', restarts: 0 });
    expect(api).not.toHaveProperty('holder');
    // The pids are the processes that really listen on those ports.
    expect(await pidAnswering(port)).toBe(web!.pid);
    expect(await pidAnswering(port + 1)).toBe(api!.pid);

    // `devsup ps` prints the same table.
    const ps = await runCli(['ps'], dir);
    expect(ps.code).toBe(0);
    expect(parsePortTable(ps.stdout, 2).lines).toEqual(table.lines);

    // .devsup/ports.env, for other tools.
    const portsEnv = readFileSync(path.join(dir, '.devsup', 'ports.env'), 'utf8').split('\n');
    expect(portsEnv).toContain(`DEVSUP_WEB_PORT=${port}`);
    expect(portsEnv).toContain(`DEVSUP_API_V2_PORT=${port + 1}`);
  });
});
