import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, fixtureArgv } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { runCli } from '../helpers/run-cli.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

function manifest(port: number): string {
  return [
    'services:',
    '  web:',
    `    command: ${fixtureArgv('print-env.mjs', '--listen', 'GREETING', 'KEPT')}`,
    `    port: ${port}`,
    '    env:',
    '      GREETING: from-manifest',
    '      KEPT: from-manifest',
    '',
  ].join('\n');
}

describe('per-developer overrides', () => {
  it('uses the port and env value of services.local.yaml, merging maps key by key', async () => {
    const base = await findFreePorts(4);
    const { dir } = session.project({
      'services.yaml': manifest(base),
      'services.local.yaml': ['services:', '  web:', `    port: ${base + 3}`, '    env:', '      GREETING: from-local', ''].join('\n'),
    });
    const up = session.up(dir);
    const report = await session.waitForPorts(dir, 'web ready', (r) => r.services[0]?.status === 'ready');
    expect(report.services[0]).toMatchObject({ port: base + 3, preferred: base + 3 });
    await up.waitForOutput(/^web +\| KEPT=.*$/m, 20_000);
    expect(up.stdout()).toMatch(/^web +\| GREETING=from-local$/m);
    expect(up.stdout()).toMatch(/^web +\| KEPT=from-manifest$/m);
  });

  it('uses --port SERVICE=N for one run', async () => {
    const base = await findFreePorts(6);
    const { dir } = session.project({
      'services.yaml': manifest(base),
      'services.local.yaml': ['services:', '  web:', `    port: ${base + 3}`, ''].join('\n'),
    });
    session.up(dir, ['--port', `web=${base + 5}`]);
    const report = await session.waitForPorts(dir, 'web ready', (r) => r.services[0]?.status === 'ready');
    expect(report.services[0]).toMatchObject({ port: base + 5, preferred: base + 5 });
  });

  it('reports a bad value in services.local.yaml with that file and line, exit 2', async () => {
    const base = await findFreePorts(1);
    const { dir } = session.project({
      'services.yaml': manifest(base),
      'services.local.yaml': ['# my ports', 'services:', '  web:', '    port: 70000', ''].join('\n'),
    });
    const result = await runCli(['up'], dir);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/(?:^|\/)services\.local\.yaml:4:\d+: .*70000/m);
    expect(result.stderr).not.toMatch(/(?:^|\/)services\.yaml:4:/m);
    expect(result.stderr).not.toMatch(/^\s+at .*\d+:\d+\)?$/m);
  });

  it('rejects --port for an unknown service with exit 2 and a suggestion', async () => {
    const base = await findFreePorts(1);
    const { dir } = session.project({ 'services.yaml': manifest(base) });

    const unknown = await runCli(['up', '--port', 'nope=1'], dir);
    expect(unknown.code, unknown.stderr).toBe(2);
    expect(unknown.stderr).toMatch(/nope/);
    expect(unknown.stderr).toMatch(/\bweb\b/); // the services there are, or the closest one
    expect(unknown.stdout).not.toMatch(/ \| /);

    const typo = await runCli(['up', '--port', `webb=${base}`], dir);
    expect(typo.code, typo.stderr).toBe(2);
    expect(typo.stderr).toMatch(/did you mean "web"/);
  });
});
