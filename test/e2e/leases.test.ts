import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin, fixtureArgv, type PortsJson } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

const ROUNDS = 20;
const MOVED = /was taken before|moving to port/;

function manifest(project: string, ports: number[]): string {
  const services = ports.flatMap((port, i) => [`  s${i}:`, `    command: ${fixtureArgv('http-server.mjs')}`, `    port: ${port}`]);
  return [`project: ${project}`, 'services:', ...services, ''].join('\n');
}

const allReady = (report: PortsJson) => report.services.every((service) => service.status === 'ready');

describe('two devsup instances on one machine', () => {
  it(`started at the same moment never hand out one port (${ROUNDS} races)`, async () => {
    const base = await findFreePorts(16);
    const preferred = [base, base + 1, base + 2];
    for (const port of preferred) await session.holdPort(port, '0.0.0.0'); // a third process: both must fall back
    for (let round = 0; round < ROUNDS; round++) {
      const a = session.project({ 'services.yaml': manifest(`a${round}`, preferred) });
      const b = session.project({ 'services.yaml': manifest(`b${round}`, preferred) });
      const ups = [session.up(a.dir), session.up(b.dir)];
      const reports = await Promise.all([a.dir, b.dir].map((dir) => session.waitForPorts(dir, `round ${round}: ${dir} ready`, allReady, 30_000)));
      const ports = reports.flatMap((report) => report.services.map((service) => service.port));
      expect(new Set(ports).size, `round ${round}: ${ports.join(' ')}`).toBe(6);
      for (const port of ports) expect(preferred).not.toContain(port);
      // Distinct from the start: no child lost a race for its port and had to be moved.
      for (const report of reports) expect(report.services.map((service) => service.restarts)).toEqual([0, 0, 0]);
      for (const up of ups) expect(up.stderr()).not.toMatch(MOVED);
      ups.forEach((up) => session.interrupt(up));
      for (const up of ups) expect((await exitWithin(up, 15_000)).code).toBe(0);
    }
  }, 300_000);

  it('do not hand out a port whose service is restarting, and the service gets it back', async () => {
    const port = await findFreePorts(3);
    const a = session.project({});
    const flag = path.join(a.dir, 'crashed-once');
    const go = path.join(a.dir, 'go');
    a.write(
      'services.yaml',
      ['project: first', 'services:', '  web:', `    command: ${fixtureArgv('restart-slowly.mjs', flag, go)}`, `    port: ${port}`, ''].join('\n'),
    );
    const upA = session.up(a.dir);
    await upA.waitForOutput(/^web +\| waiting for /m, 20_000); // crashed; its restart has not bound the port yet

    const b = session.project({ 'services.yaml': manifest('second', [port]) });
    const upB = session.up(b.dir);
    const reportB = await session.waitForPorts(b.dir, 'second ready', allReady);
    expect(reportB.services[0]).toMatchObject({ preferred: port, port: port + 1 });
    expect(upB.stderr()).toContain(
      `port ${port} is leased by devsup pid ${upA.child.pid} for project first (service web); using ${port + 1} instead.`,
    );
    expect(upB.stdout()).toMatch(new RegExp(`^! ${port}: leased by devsup pid ${upA.child.pid} for project first \\(service web\\)$`, 'm'));

    writeFileSync(go, '');
    const reportA = await session.waitForPorts(a.dir, 'web ready again', allReady);
    expect(reportA.services[0]).toMatchObject({ port, restarts: 1 });
    expect(upA.stderr()).not.toMatch(MOVED);
  });

  it('give back the lease of a service removed by an edit, at once, to the next instance', async () => {
    const base = await findFreePorts(2);
    const a = session.project({ 'services.yaml': manifest('first', [base, base + 1]) });
    const upA = session.up(a.dir);
    await session.waitForPorts(a.dir, 'first ready', allReady);
    writeFileSync(path.join(a.dir, 'services.yaml'), manifest('first', [base]));
    await upA.waitForOutput(/services\.yaml reloaded: stopped s1; 1 unchanged$/m, 20_000);

    const b = session.project({ 'services.yaml': manifest('second', [base + 1]) });
    const upB = session.up(b.dir);
    const reportB = await session.waitForPorts(b.dir, 'second ready', allReady);
    expect(reportB.services[0]).toMatchObject({ preferred: base + 1, port: base + 1 });
    expect(upB.stderr()).not.toContain('leased by');
    for (const up of [upA, upB]) session.interrupt(up);
    for (const up of [upA, upB]) expect((await exitWithin(up, 15_000)).code).toBe(0);
  });
});
