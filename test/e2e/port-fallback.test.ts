import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin, fixtureArgv, type PortsJson } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { parsePortTable, TABLE_HEADER } from '../helpers/parse-port-table.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

function oneServer(key: string, port: number, extra: string[] = []): string {
  return [
    'services:',
    `  ${key}:`,
    `    command: ${fixtureArgv('http-server.mjs')}`,
    `    port: ${port}`,
    ...extra.map((line) => `    ${line}`),
    '',
  ].join('\n');
}

describe('a preferred port held by another process', () => {
  it.each([
    { label: '0.0.0.0', host: '0.0.0.0', ipv6Only: false },
    { label: '127.0.0.1', host: '127.0.0.1', ipv6Only: false },
    { label: '[::] IPv6-only', host: '::', ipv6Only: true },
  ])('on $label: the service gets the next free port and the holder is named', async ({ host, ipv6Only }) => {
    const base = await findFreePorts(3);
    const holder = await session.holdPort(base, host, ipv6Only);
    const { dir } = session.project({ 'services.yaml': oneServer('web', base) });
    const up = session.up(dir);
    await up.waitForOutput(/^! .*$/m, 20_000);

    const report = await session.waitForPorts(dir, 'web ready', (r) => r.services[0]?.status === 'ready');
    const web = report.services[0]!;
    expect(web.preferred).toBe(base);
    expect(web.port).toBe(base + 1);
    expect(web.holder).toMatchObject({ pid: holder.pid });
    expect(web.holder!.command).toMatch(/node/);

    // devsup's own explanation goes to stderr and names the holder's pid.
    expect(up.stderr()).toMatch(new RegExp(`\\b${base}\\b.*\\bpid ${holder.pid}\\b`));
    const table = parsePortTable(up.stdout(), 1);
    expect(table.rows[0]).toMatchObject({ PORT: String(base + 1), PREFERRED: `${base} !` });
    expect(table.notes).toHaveLength(1);
    expect(table.notes[0]).toMatch(new RegExp(`^! ${base} is held by pid ${holder.pid}: .*node`));
  });
});

describe('two services preferring one port', () => {
  it('gives the second a fallback that no other service prefers, and says the sibling came first', async () => {
    const base = await findFreePorts(4);
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  alpha:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${base}`,
        '  beta:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${base}`,
        '  gamma:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${base + 1}`,
        '',
      ].join('\n'),
    });
    const up = session.up(dir);
    await up.waitForOutput(/^! .*$/m, 20_000);
    const report = await session.waitForPorts(dir, 'all ready', (r) => r.services.every((s) => s.status === 'ready'));
    const [alpha, beta, gamma] = report.services;
    expect(alpha).toMatchObject({ service: 'alpha', port: base, preferred: base });
    expect(gamma).toMatchObject({ service: 'gamma', port: base + 1, preferred: base + 1 });
    expect(beta).toMatchObject({ service: 'beta', preferred: base });
    expect([base, base + 1]).not.toContain(beta!.port);
    expect(beta!.port).toBe(base + 2);
    expect(beta).not.toHaveProperty('holder');

    const table = parsePortTable(up.stdout(), 3);
    expect(table.rows[1]).toMatchObject({ SERVICE: 'beta', PORT: String(base + 2), PREFERRED: `${base} !` });
    expect(table.notes).toHaveLength(1);
    expect(table.notes[0]).toMatch(new RegExp(`^! ${base} .*\\balpha\\b.*first`));
    expect(table.notes[0]).not.toMatch(/held by pid/);
  });
});

describe('${svc.port} after a fallback', () => {
  it('gives a client the port its server really got, in its env and in DEVSUP_SERVER_PORT', async () => {
    const base = await findFreePorts(3);
    await session.holdPort(base, '0.0.0.0');
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  server:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${base}`,
        '  client:',
        `    command: ${fixtureArgv('print-env.mjs', 'TARGET', 'DEVSUP_SERVER_PORT')}`,
        '    env:',
        '      TARGET: http://127.0.0.1:${server.port}',
        '',
      ].join('\n'),
    });
    const up = session.up(dir);
    const report = await session.waitForPorts(dir, 'server ready', (r) => r.services[0]?.status === 'ready');
    const serverPort = report.services[0]!.port!;
    expect(serverPort).not.toBe(base);
    await up.waitForOutput(/^client +\| DEVSUP_SERVER_PORT=.*$/m, 20_000);
    expect(up.stdout()).toMatch(new RegExp(`^client +\\| TARGET=http://127\\.0\\.0\\.1:${serverPort}$`, 'm'));
    expect(up.stdout()).toMatch(new RegExp(`^client +\\| DEVSUP_SERVER_PORT=${serverPort}$`, 'm'));
  });
});

describe('fallback: none with the preferred port held', () => {
  it('fails that service naming the holder, and still starts the others', async () => {
    const base = await findFreePorts(3);
    const holder = await session.holdPort(base, '0.0.0.0');
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  strict:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${base}`,
        '    fallback: none',
        '  other:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${base + 2}`,
        '',
      ].join('\n'),
    });
    const up = session.up(dir);
    const report = await session.waitForPorts(
      dir,
      'strict failed, other ready',
      (r) => r.services.find((s) => s.service === 'strict')?.status === 'failed' && r.services.find((s) => s.service === 'other')?.status === 'ready',
    );
    expect(report.services.find((s) => s.service === 'other')).toMatchObject({ port: base + 2 });
    expect(report.services.find((s) => s.service === 'strict')!.pid).toBeNull();
    expect(up.stderr()).toMatch(new RegExp(`strict[^\\n]*\\b${base}\\b[^\\n]*pid ${holder.pid}\\b|pid ${holder.pid}\\b[^\\n]*strict`));
    expect(up.child.exitCode).toBeNull(); // other keeps it running
  });

  it('exits 1 naming the holder when nothing else runs', async () => {
    const base = await findFreePorts(1);
    const holder = await session.holdPort(base, '127.0.0.1');
    const { dir } = session.project({ 'services.yaml': oneServer('strict', base, ['fallback: none']) });
    const up = session.up(dir);
    const { code } = await exitWithin(up, 20_000);
    expect(code).toBe(1);
    expect(up.stderr()).toMatch(new RegExp(`\\bpid ${holder.pid}\\b`));
    expect(up.stderr()).toMatch(/strict/);
    // .devsup/ports.json (the `ports --json` object) records why it did not run.
    const portsFile = path.join(dir, '.devsup', 'ports.json');
    expect(existsSync(portsFile), `${portsFile} written`).toBe(true);
    const report = JSON.parse(readFileSync(portsFile, 'utf8')) as PortsJson;
    expect(report.services.find((s) => s.service === 'strict')).toMatchObject({ status: 'failed', pid: null, preferred: base });
  });
});

describe('a child that ignores PORT', () => {
  it('is ready on the port it uses, shown in one table once it is ready, and devsup says so once', async () => {
    const base = await findFreePorts(2);
    const { dir } = session.project({
      'services.yaml': ['services:', '  web:', `    command: ${fixtureArgv('ignore-port.mjs', base + 1)}`, `    port: ${base}`, ''].join('\n'),
    });
    const up = session.up(dir);
    const report = await session.waitForPorts(dir, 'web ready', (r) => r.services[0]?.status === 'ready');
    expect(report.services[0]).toMatchObject({ port: base + 1, preferred: base });
    await up.waitForOutput(TABLE_HEADER, 20_000);
    const table = parsePortTable(up.stdout(), 1);
    expect(table.rows[0]).toMatchObject({ PORT: String(base + 1), STATUS: 'ready' });
    expect(table.notes).toEqual([`! ${base}: listens on ${base + 1}, not on the PORT=${base} it was given`]);
    // No earlier table of it still starting: the drift is in the start-up table.
    expect(
      up
        .stdout()
        .split('\n')
        .filter((line) => TABLE_HEADER.test(line)),
    ).toHaveLength(1);
    expect(up.stderr().match(/ignored PORT/g)).toHaveLength(1);
    session.interrupt(up);
    expect((await exitWithin(up, 15_000)).code).toBe(0);
  });
});
