import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin, fixtureArgv, type PortsJson } from '../helpers/e2e-session.js';
import { isAlive } from '../helpers/wait-for.js';
import { findFreePorts } from '../helpers/free-port.js';
import { runCli, startCli } from '../helpers/run-cli.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

const FIELDS = ['service', 'title', 'port', 'ports', 'preferred', 'status', 'pid', 'restarts', 'url'];

/** web (a port, http), worker (no port, no check), extra (autostart: false). */
function manifest(port: number): string {
  return [
    'project: control',
    'services:',
    '  web:',
    '    title: Web Server',
    `    command: ${fixtureArgv('http-server.mjs')}`,
    `    port: ${port}`,
    '  worker:',
    `    command: ${fixtureArgv('crash-after.mjs', 600_000, 0)}`,
    '    ready: none',
    '  extra:',
    `    command: ${fixtureArgv('http-server.mjs')}`,
    `    port: ${port + 1}`,
    '    autostart: false',
    '',
  ].join('\n');
}

async function startInstance(): Promise<{ dir: string; port: number; up: ReturnType<E2ESession['up']>; report: PortsJson }> {
  const port = await findFreePorts(2);
  const { dir } = session.project({ 'services.yaml': manifest(port) });
  const up = session.up(dir);
  const report = await session.waitForPorts(
    dir,
    'web ready, worker running',
    (r) => r.services[0]?.status === 'ready' && r.services[1]?.status === 'running',
  );
  return { dir, port, up, report };
}

const service = (report: PortsJson, key: string) => report.services.find((entry) => entry.service === key)!;

const CHANGING_FIELDS = ['cpuPercent', 'rssBytes', 'startedAt'];

/** The report without the fields that change from one reading (CPU, memory) or one run (its start) to the next. */
function withoutUsage(report: PortsJson): PortsJson {
  const services = report.services.map((entry) => Object.fromEntries(Object.entries(entry).filter(([key]) => !CHANGING_FIELDS.includes(key))));
  return { ...report, services: services as PortsJson['services'] };
}

describe('commands on a running instance', () => {
  it('ports --json (and ps --json) answer through the socket in exactly the documented shape, field by field', async () => {
    const { dir, port, up, report: withUsageFields } = await startInstance();
    // Each running service's tree: its CPU and memory, and when its run started; none for one never started.
    for (const key of ['web', 'worker']) {
      expect(service(withUsageFields, key)).toMatchObject({ cpuPercent: expect.any(Number), startedAt: expect.any(String) });
      expect(service(withUsageFields, key).rssBytes).toBeGreaterThan(1024 * 1024);
      expect(Object.keys(service(withUsageFields, key)).slice(-3)).toEqual(CHANGING_FIELDS);
    }
    expect(Object.keys(service(withUsageFields, 'extra'))).not.toContain('cpuPercent');
    const report = withoutUsage(withUsageFields);
    expect(Object.keys(report)).toEqual(['project', 'pid', 'manifest', 'services']);
    expect(report).toMatchObject({ project: 'control', pid: up.child.pid, manifest: 'services.yaml' });
    for (const entry of report.services) expect(Object.keys(entry).slice(0, FIELDS.length)).toEqual(FIELDS);
    expect(service(report, 'web')).toEqual({
      service: 'web',
      title: 'Web Server',
      port,
      ports: { default: port },
      preferred: port,
      status: 'ready',
      pid: expect.any(Number),
      restarts: 0,
      url: `http://localhost:${port}`,
    });
    expect(service(report, 'worker')).toEqual({
      service: 'worker',
      title: 'worker',
      port: null,
      ports: {},
      preferred: null,
      status: 'running',
      pid: expect.any(Number),
      restarts: 0,
      url: null,
    });
    expect(service(report, 'extra')).toMatchObject({ port: port + 1, preferred: port + 1, status: 'stopped', pid: null });
    const ps = await runCli(['ps', '--json'], dir);
    expect(ps.code).toBe(0);
    expect(withoutUsage(JSON.parse(ps.stdout) as PortsJson)).toEqual(report);
    // The table from the same report.
    const table = await runCli(['ports'], dir);
    expect(table.stdout).toMatch(
      new RegExp(`^Web Server +${port} +${port} +ready +${service(report, 'web').pid} +0 +http://localhost:${port}$`, 'm'),
    );
  });

  it('port prints the bare number; a wrong service or port name gets a did-you-mean; a service without a port exits 1', async () => {
    const { dir, port } = await startInstance();
    expect(await runCli(['port', 'web'], dir)).toEqual({ code: 0, stdout: `${port}\n`, stderr: '' });
    expect(await runCli(['port', 'web', 'default'], dir)).toEqual({ code: 0, stdout: `${port}\n`, stderr: '' });
    const typo = await runCli(['port', 'webb'], dir);
    expect(typo).toMatchObject({ code: 2, stdout: '' });
    expect(typo.stderr).toContain('unknown service "webb" — did you mean "web"?');
    expect(typo.stderr).toContain('Services: web, worker, extra.');
    const badName = await runCli(['port', 'web', 'defualt'], dir);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toContain('web has no port named "defualt" — did you mean "default"?');
    const none = await runCli(['port', 'worker'], dir);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('worker has no port');
  });

  it('restart keeps the port and counts no crash; stop frees the process but keeps the port; start brings it back', async () => {
    const { dir, port, up, report } = await startInstance();
    const firstPid = service(report, 'web').pid!;

    const restart = await runCli(['restart', 'web'], dir);
    expect(restart).toEqual({ code: 0, stdout: `web: restarted on port ${port}\n`, stderr: '' });
    const restarted = await session.waitForPorts(
      dir,
      'web ready again',
      (r) => service(r, 'web').status === 'ready' && service(r, 'web').pid !== firstPid,
    );
    expect(service(restarted, 'web')).toMatchObject({ port, restarts: 0 });
    expect(isAlive(firstPid)).toBe(false);

    const secondPid = service(restarted, 'web').pid!;
    const stop = await runCli(['stop', 'web', 'worker'], dir);
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stdout).toBe(`web: stopped; port ${port} stays reserved for it\nworker: stopped\n`);
    const stopped = await session.portsJson(dir);
    expect(service(stopped, 'web')).toMatchObject({ status: 'stopped', pid: null, port });
    expect(isAlive(secondPid)).toBe(false);
    // Nothing runs now, and yet the instance waits for a start.
    expect(up.child.exitCode).toBeNull();
    expect((await runCli(['stop', 'web'], dir)).stdout).toBe('web: was not running (stopped)\n');

    expect(await runCli(['start', 'web'], dir)).toEqual({ code: 0, stdout: `web: starting on port ${port}\n`, stderr: '' });
    const started = await session.waitForPorts(dir, 'web ready after start', (r) => service(r, 'web').status === 'ready');
    expect(service(started, 'web').port).toBe(port);
    expect((await runCli(['start', 'web'], dir)).stdout).toBe('web: is already ready\n');
  });

  it('start runs an autostart: false service; unknown names are refused with a did-you-mean before anything happens', async () => {
    const { dir, port } = await startInstance();
    const unknown = await runCli(['restart', 'web', 'extar'], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown service "extar" — did you mean "extra"?');
    expect(service(await session.portsJson(dir), 'web').restarts).toBe(0);

    expect((await runCli(['start', 'extra'], dir)).stdout).toBe(`extra: starting on port ${port + 1}\n`);
    const wait = await runCli(['wait', 'extra', 'web', '--timeout', '20s'], dir);
    expect(wait).toEqual({ code: 0, stdout: `web is ready on port ${port}\nextra is ready on port ${port + 1}\n`, stderr: '' });
  });

  it('every command says when no instance runs, exit 1', async () => {
    const { dir } = session.project({ 'services.yaml': manifest(await findFreePorts(2)) });
    for (const args of [
      ['port', 'web'],
      ['restart', 'web'],
      ['stop', 'web'],
      ['start', 'web'],
      ['down'],
      ['logs', '-f'],
      ['wait', 'web', '--timeout', '300ms'],
    ]) {
      const result = await runCli(args, dir);
      expect(result.code, `devsup ${args.join(' ')}`).toBe(1);
      expect(result.stderr, `devsup ${args.join(' ')}`).toContain(`devsup is not running in ${dir}`);
    }
  });
});

describe('devsup wait', () => {
  it('waits for an instance that is not up yet, then for the service to be ready', async () => {
    const port = await findFreePorts(2);
    const { dir } = session.project({ 'services.yaml': manifest(port) });
    const wait = startCli(['wait', 'web', '--timeout', '30s'], dir);
    // Nothing runs yet (this takes about as long as `wait` needs to look for the first time), and `wait` keeps trying.
    expect((await runCli(['ports'], dir)).code).toBe(1);
    expect(wait.child.exitCode).toBeNull();
    session.up(dir);
    expect((await exitWithin(wait, 30_000, 'devsup wait')).code, wait.stderr()).toBe(0);
    expect(wait.stdout()).toBe(`web is ready on port ${port}\n`);
  });

  it('names the whole --timeout when it runs out, though part of it went on waiting for up to start', async () => {
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  slow:',
        `    command: ${fixtureArgv('crash-after.mjs', 600_000, 0)}`,
        '    ready: { log: "never printed" }',
        '',
      ].join('\n'),
    });
    const wait = startCli(['wait', 'slow', '--timeout', '3s'], dir);
    expect((await runCli(['ports'], dir)).code).toBe(1); // up is not there yet: wait looks for it
    session.up(dir);
    const result = await exitWithin(wait, 30_000, 'devsup wait');
    expect(result.code).toBe(1);
    expect(wait.stderr()).toMatch(/^timed out after 3 s waiting for slow \(starting/);
  });

  it('exits 1 at once for a service that stays stopped until started (autostart: false), and waits for it once started', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  lazy:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${port}`,
        '    autostart: false',
        '',
      ].join('\n'),
    });
    // Nothing starts by itself, and `up` stays for `devsup start` rather than ending at once.
    const up = session.up(dir);
    await session.waitForPorts(dir, 'up running', (r) => r.services[0]?.status === 'stopped');
    await up.waitForOutput(
      /no service starts by itself here \(each has autostart: false, or profiles none of which is active\): `devsup start SERVICE` starts one/,
    );
    const stopped = await runCli(['wait', 'lazy', '--timeout', '30s'], dir);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toBe('lazy will not be ready: it is stopped; `devsup start lazy` starts it.\n');
    expect((await runCli(['start', 'lazy'], dir)).code).toBe(0);
    const ready = await runCli(['wait', 'lazy', '--timeout', '30s'], dir);
    expect(ready.code, ready.stderr).toBe(0);
    expect(ready.stdout).toBe(`lazy is ready on port ${port}\n`);
  });

  it('exits 1 as soon as a service crashed, and on timeout naming what it waited for', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  web:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${port}`,
        '  broken:',
        `    command: ${fixtureArgv('crash-after.mjs', 0, 3)}`,
        '    restart: never',
        // Never ready, so `wait` cannot catch it "running" in the moment before it exits.
        '    ready: { log: "never printed" }',
        '  slow:',
        `    command: ${fixtureArgv('crash-after.mjs', 600_000, 0)}`,
        '    ready: { log: "never printed" }',
        '',
      ].join('\n'),
    });
    session.up(dir);
    const crashed = await runCli(['wait', 'web', 'broken', '--timeout', '30s'], dir);
    expect(crashed.code).toBe(1);
    expect(crashed.stderr).toMatch(/^broken will not be ready: crashed \(exited with code 3/);
    const timedOut = await runCli(['wait', 'slow', '--timeout', '1s'], dir);
    expect(timedOut.code).toBe(1);
    expect(timedOut.stderr).toMatch(/^timed out after 1 s waiting for slow \(starting/);
    const bad = await runCli(['wait', 'web', '--timeout', 'soon'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--timeout soon is not a duration');
  });
});

describe('devsup down', () => {
  it('stops the instance as Ctrl-C does and returns once it is gone, leaving nothing running', async () => {
    const { dir, up, report } = await startInstance();
    const pids = report.services.map((entry) => entry.pid).filter((pid): pid is number => pid !== null);
    expect(pids).toHaveLength(2);
    const down = await runCli(['down'], dir);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toBe(`devsup (pid ${up.child.pid}) in ${dir} has stopped.\n`);
    // Returned only after the instance was gone.
    expect(isAlive(up.child.pid!)).toBe(false);
    for (const pid of pids) expect(isAlive(pid), `service pid ${pid}`).toBe(false);
    expect((await exitWithin(up, 10_000)).code).toBe(0);
    expect(up.stderr()).toContain('devsup: `devsup down`: stopping every service…');
    expect(existsSync(path.join(dir, '.devsup', 'control.sock'))).toBe(false);
    expect(existsSync(path.join(dir, '.devsup', 'instance.lock'))).toBe(false);
    const ports = await runCli(['ports'], dir);
    expect(ports.code).toBe(1);
    expect(ports.stderr).toContain(`devsup is not running in ${dir}`);
  });
});
