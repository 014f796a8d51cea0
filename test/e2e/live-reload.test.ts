import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin, fixtureArgv, type PortsJson } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { parsePortTable, TABLE_HEADER } from '../helpers/parse-port-table.js';
import { isAlive, waitFor } from '../helpers/wait-for.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

function manifest(services: Record<string, string[]>): string {
  return ['services:', ...Object.entries(services).flatMap(([key, lines]) => [`  ${key}:`, ...lines.map((line) => `    ${line}`)]), ''].join('\n');
}

const server = (port: number, extra: string[] = []) => [`command: ${fixtureArgv('http-server.mjs')}`, `port: ${port}`, ...extra];
const byKey = (report: PortsJson) => Object.fromEntries(report.services.map((service) => [service.service, service]));

describe('editing the manifest while devsup up runs', () => {
  it('starts added services, stops removed ones, restarts changed ones and leaves the rest alone', async () => {
    const base = await findFreePorts(4);
    const { dir } = session.project({ 'services.yaml': manifest({ keep: server(base), change: server(base + 1), drop: server(base + 2) }) });
    const up = session.up(dir);
    await up.waitForOutput(TABLE_HEADER, 20_000);
    const before = byKey(await session.waitForPorts(dir, 'all ready', (r) => r.services.every((s) => s.status === 'ready')));

    writeFileSync(
      path.join(dir, 'services.yaml'),
      manifest({ keep: server(base), change: server(base + 1, ['env: { GREETING: hi }']), add: server(base + 3) }),
    );
    await up.waitForOutput(/services\.yaml reloaded: started add; stopped drop; restarted change; 1 unchanged/, 20_000);
    const after = byKey(
      await session.waitForPorts(
        dir,
        'edit applied',
        (r) => r.services.length === 3 && r.services.every((s) => s.status === 'ready') && byKey(r).change!.pid !== before.change!.pid,
      ),
    );
    expect(Object.keys(after)).toEqual(['keep', 'change', 'add']);
    expect([after.keep!.pid, after.keep!.port]).toEqual([before.keep!.pid, base]);
    expect(after.change!.port).toBe(base + 1);
    expect(after.add!.port).toBe(base + 3);
    expect(isAlive(before.drop!.pid!)).toBe(false);
    expect(isAlive(before.change!.pid!)).toBe(false);
    // The table again, once the edit's services are ready: not a picture of them half-started.
    await waitFor(
      () =>
        up
          .stdout()
          .split('\n')
          .filter((line) => TABLE_HEADER.test(line)).length === 2,
      { what: 'a second table', timeoutMs: 10_000, describe: () => up.stdout() },
    );
    const table = parsePortTable(up.stdout(), 3);
    expect(table.rows.map((row) => [row.SERVICE, row.STATUS])).toEqual([
      ['keep', 'ready'],
      ['change', 'ready'],
      ['add', 'ready'],
    ]);

    session.interrupt(up);
    expect((await exitWithin(up, 15_000)).code).toBe(0);
  });

  it('keeps everything running, as it was, after an invalid edit, and says what is wrong', async () => {
    const base = await findFreePorts(1);
    const { dir } = session.project({ 'services.yaml': manifest({ web: server(base) }) });
    const up = session.up(dir);
    await up.waitForOutput(TABLE_HEADER, 20_000);
    const before = byKey(await session.waitForPorts(dir, 'ready', (r) => r.services.every((s) => s.status === 'ready')));

    writeFileSync(path.join(dir, 'services.yaml'), manifest({ web: [...server(base), 'comand: oops'] }));
    await up.waitForOutput(
      /services\.yaml changed, but cannot be used; everything keeps running as it was:\n.*services\.yaml:5:5: unknown key "comand" — did you mean "command"\?/,
      20_000,
    );
    const after = byKey(await session.portsJson(dir));
    expect([after.web!.pid, after.web!.status]).toEqual([before.web!.pid, 'ready']);

    session.interrupt(up);
    expect((await exitWithin(up, 15_000)).code).toBe(0);
  });

  it('restarts a client whose ${svc.port} changed with an edit of the other service, saved by rename', async () => {
    const base = await findFreePorts(3);
    const client = [`command: ${fixtureArgv('print-env.mjs', 'TARGET')}`, 'env: { TARGET: "http://127.0.0.1:${api.port}" }'];
    const { dir } = session.project({ 'services.yaml': manifest({ api: server(base), client }) });
    const up = session.up(dir);
    await up.waitForOutput(new RegExp(`client +\\| TARGET=http://127.0.0.1:${base}$`, 'm'), 20_000);

    // Saved as editors do: a new file renamed over the old one.
    writeFileSync(path.join(dir, 'services.yaml.swp'), manifest({ api: server(base + 2), client }));
    renameSync(path.join(dir, 'services.yaml.swp'), path.join(dir, 'services.yaml'));
    await up.waitForOutput(/services\.yaml reloaded: restarted api, client$/m, 20_000);
    await up.waitForOutput(new RegExp(`client +\\| TARGET=http://127.0.0.1:${base + 2}$`, 'm'), 20_000);
    session.interrupt(up);
    expect((await exitWithin(up, 15_000)).code).toBe(0);
  });

  it('restarts only the services an edited env file feeds, the default .env and one in another folder alike', async () => {
    const printer = (name: string) => [`command: ${fixtureArgv('print-env.mjs', name)}`];
    const { dir } = session.project({
      'services.yaml': manifest({ shared: printer('GREETING'), own: [...printer('LEVEL'), 'env_file: config/own.env'], other: printer('OTHER') }),
      '.env': 'GREETING=hello\n',
      'config/own.env': 'LEVEL=1\n',
    });
    const up = session.up(dir);
    await up.waitForOutput(/own +\| LEVEL=1$/m, 20_000);
    const before = byKey(await session.waitForPorts(dir, 'all running', (r) => r.services.every((s) => s.status === 'running')));

    writeFileSync(path.join(dir, 'config/own.env'), 'LEVEL=2\n');
    await up.waitForOutput(/own\.env reloaded: restarted own; 2 unchanged$/m, 20_000);
    await up.waitForOutput(/own +\| LEVEL=2$/m, 20_000);

    writeFileSync(path.join(dir, '.env.tmp'), 'GREETING=bonjour\n');
    renameSync(path.join(dir, '.env.tmp'), path.join(dir, '.env'));
    // The top-level env file feeds every service.
    await up.waitForOutput(/\.env reloaded: restarted shared, own, other$/m, 20_000);
    await up.waitForOutput(/shared +\| GREETING=bonjour$/m, 20_000);
    const after = byKey(await session.portsJson(dir));
    expect(after.other!.pid).not.toBe(before.other!.pid);
    session.interrupt(up);
    expect((await exitWithin(up, 15_000)).code).toBe(0);
  });
});

describe('watch', () => {
  it('restarts the only service on a file change, on the same port, and devsup keeps running', async () => {
    const port = await findFreePorts(1);
    const { dir, write } = session.project({ 'services.yaml': manifest({ web: server(port, ['watch: src']) }), 'src/app.js': '1' });
    const up = session.up(dir);
    await up.waitForOutput(TABLE_HEADER, 20_000);
    const before = byKey(await session.waitForPorts(dir, 'ready', (r) => r.services.every((s) => s.status === 'ready')));

    write('src/app.js', '2');
    await up.waitForOutput(/^web +\| src\/app\.js changed: restarting$/m, 20_000);
    const after = byKey(
      await session.waitForPorts(dir, 'ready again', (r) => r.services[0]!.status === 'ready' && r.services[0]!.pid !== before.web!.pid),
    );
    expect([after.web!.port, after.web!.restarts]).toEqual([port, 0]);
    expect(up.child.exitCode).toBeNull();
    session.interrupt(up);
    expect((await exitWithin(up, 15_000)).code).toBe(0);
  });
});
