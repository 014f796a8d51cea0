import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin, fixtureArgv } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { runCli } from '../helpers/run-cli.js';
import { waitFor } from '../helpers/wait-for.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

const statusOf = (report: { services: { service: string; status: string }[] }, key: string) => report.services.find((s) => s.service === key)?.status;

describe('how up ends', () => {
  it('exits 1 when a service crashed for good and `devsup down` stopped the rest', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  web:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${port}`,
        '  bad:',
        `    command: ${fixtureArgv('crash-after.mjs', 0, 3)}`,
        '    restart: never',
        '',
      ].join('\n'),
    });
    const up = session.up(dir);
    await session.waitForPorts(dir, 'bad crashed, web ready', (r) => statusOf(r, 'bad') === 'crashed' && statusOf(r, 'web') === 'ready');
    expect((await runCli(['down'], dir)).code).toBe(0);
    expect((await exitWithin(up, 15_000)).code).toBe(1);
  });

  it('exits 0 after a clean Ctrl-C when nothing crashed', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({
      'services.yaml': ['services:', '  web:', `    command: ${fixtureArgv('http-server.mjs')}`, `    port: ${port}`, ''].join('\n'),
    });
    const up = session.up(dir);
    await session.waitForPorts(dir, 'web ready', (r) => statusOf(r, 'web') === 'ready');
    session.interrupt(up);
    expect((await exitWithin(up, 15_000)).code).toBe(0);
  });
});

describe('restarting a service', () => {
  /** migrate (a one-shot that appends a line to runs.txt each time it runs) ← api ← worker. */
  function oneShotProject(port: number) {
    return session.project({
      'services.yaml': [
        'services:',
        '  migrate:',
        `    command: ${JSON.stringify([process.execPath, '-e', "require('fs').appendFileSync('runs.txt', 'migrated\\n')"])}`,
        '    restart: never',
        '  api:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${port}`,
        '    depends_on: { migrate: completed }',
        '  worker:',
        `    command: ${fixtureArgv('crash-after.mjs', 600_000, 0)}`,
        '    depends_on: { migrate: completed, api: ready }',
        '',
      ].join('\n'),
    });
  }
  const migrations = (dir: string) => readFileSync(path.join(dir, 'runs.txt'), 'utf8').split('\n').filter(Boolean).length;

  it('does not run a completed one-shot dependency again (devsup restart)', async () => {
    const port = await findFreePorts(1);
    const { dir } = oneShotProject(port);
    session.up(dir);
    const first = await session.waitForPorts(dir, 'all up', (r) => statusOf(r, 'worker') === 'running' && statusOf(r, 'api') === 'ready');
    expect(migrations(dir)).toBe(1);
    const workerPid = first.services.find((s) => s.service === 'worker')!.pid;
    expect((await runCli(['restart', 'worker'], dir)).code).toBe(0);
    await session.waitForPorts(dir, 'worker running again', (r) => {
      const worker = r.services.find((s) => s.service === 'worker')!;
      return worker.status === 'running' && worker.pid !== workerPid;
    });
    expect((await runCli(['restart', 'api'], dir)).code).toBe(0);
    await session.waitForPorts(dir, 'api ready again', (r) => statusOf(r, 'api') === 'ready');
    expect(statusOf(await session.portsJson(dir), 'migrate')).toBe('exited');
    expect(migrations(dir)).toBe(1);
  });

  it('starts a dependency that is not running any more', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  db:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${port}`,
        '  api:',
        `    command: ${fixtureArgv('crash-after.mjs', 600_000, 0)}`,
        '    depends_on: [db]',
        '',
      ].join('\n'),
    });
    session.up(dir);
    await session.waitForPorts(dir, 'all up', (r) => statusOf(r, 'api') === 'running');
    expect((await runCli(['stop', 'db'], dir)).code).toBe(0);
    expect((await runCli(['restart', 'api'], dir)).code).toBe(0);
    await waitFor(
      async () => {
        const report = await session.portsJson(dir);
        return statusOf(report, 'db') === 'ready' && statusOf(report, 'api') === 'running';
      },
      { what: 'db started again for api' },
    );
  });
});
