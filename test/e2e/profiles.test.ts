import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin, fixtureArgv, type PortsJson } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { runCli } from '../helpers/run-cli.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

function statuses(report: PortsJson): Record<string, string> {
  return Object.fromEntries(report.services.map((service) => [service.service, service.status]));
}

describe('profiles', () => {
  it('start a profile service only with its profile active, or when named; a dependency outside them starts too', async () => {
    const port = await findFreePorts(3);
    const manifest = {
      'services.yaml': [
        'services:',
        '  web:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${port}`,
        '    depends_on: [cache]',
        '  cache:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${port + 1}`,
        '    profiles: [aux]',
        '  debugger:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${port + 2}`,
        '    profiles: [debug, tools]',
        '',
      ].join('\n'),
    };
    // One folder per run: each `up` is the first, and only, instance of its folder.
    const [first, second, third] = [session.project(manifest).dir, session.project(manifest).dir, session.project(manifest).dir] as const;
    const settled = (report: PortsJson) => report.services.every((service) => service.status === 'ready' || service.status === 'stopped');

    // No profile active: debugger stays out; cache starts for web, and devsup says why.
    let up = session.up(first);
    let report = await session.waitForPorts(first, 'web and cache ready', settled);
    expect(statuses(report)).toEqual({ web: 'ready', cache: 'ready', debugger: 'stopped' });
    expect(up.stderr()).toContain('cache starts though its profiles (aux) are not active: web depends on it.');
    session.interrupt(up);
    expect((await exitWithin(up, 20_000)).code).toBe(0);

    // DEVSUP_PROFILES activates one of debugger's profiles (an unknown name there is ignored).
    up = session.up(second, [], { DEVSUP_PROFILES: 'elsewhere,tools' });
    report = await session.waitForPorts(second, 'everything ready', (ports) => ports.services.every((service) => service.status === 'ready'));
    expect(statuses(report)).toEqual({ web: 'ready', cache: 'ready', debugger: 'ready' });
    session.interrupt(up);
    expect((await exitWithin(up, 20_000)).code).toBe(0);

    // Named, it starts whatever its profiles; nothing else does.
    up = session.up(third, ['debugger']);
    report = await session.waitForPorts(third, 'debugger ready', (ports) => statuses(ports).debugger === 'ready' && settled(ports));
    expect(statuses(report)).toEqual({ web: 'stopped', cache: 'stopped', debugger: 'ready' });
    session.interrupt(up);
    expect((await exitWithin(up, 20_000)).code).toBe(0);
  });

  it('refuses a --profile no service has, listing the known ones, and starts nothing', async () => {
    const { dir } = session.project({
      'services.yaml': ['services:', '  a:', '    command: sleep 1000', '    profiles: [debug, tools]', ''].join('\n'),
    });
    const result = await runCli(['up', '--profile', 'debgu'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--profile debgu: no service has the profile "debgu" — did you mean "debug"?');
    expect(result.stderr).toContain('Profiles: debug, tools.');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
  });
});
