import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, fixtureArgv, type PortsJson } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { TABLE_HEADER } from '../helpers/parse-port-table.js';
import { runCli } from '../helpers/run-cli.js';
import { isAlive, waitFor } from '../helpers/wait-for.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

describe('replicas', () => {
  it('run as NAME.1 … NAME.N on distinct ports, passing over a taken preferred one; a dependent gets ${NAME.ports}', async () => {
    const port = await findFreePorts(4);
    const holder = await session.holdPort(port + 1, '0.0.0.0'); // replica 2's preferred port
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  web:',
        `    command: ${fixtureArgv('print-env.mjs', '--listen', 'DEVSUP_REPLICA', 'DEVSUP_REPLICAS')}`,
        `    port: ${port}`,
        '    replicas: 3',
        '  client:',
        `    command: ${fixtureArgv('print-env.mjs', 'WEB_PORTS', 'FIRST', 'DEVSUP_WEB_PORTS')}`,
        '    env: { WEB_PORTS: "${web.ports}", FIRST: "${web.port}" }',
        '    depends_on: [web]',
        '',
      ].join('\n'),
    });
    const up = session.up(dir);
    await up.waitForOutput(TABLE_HEADER, 20_000);
    const report = await session.portsJson(dir);
    const web = report.services.filter((service) => service.service.startsWith('web.'));
    expect(web.map((service) => [service.service, service.status])).toEqual([
      ['web.1', 'ready'],
      ['web.2', 'ready'],
      ['web.3', 'ready'],
    ]);
    const [first, second, third] = web.map((service) => service.port!);
    expect(first).toBe(port);
    expect(third).toBe(port + 2);
    // Replica 2 preferred port + 1, which is taken; it fell back to a port no other replica prefers.
    expect(web[1]).toMatchObject({ preferred: port + 1, holder: { pid: holder.pid } });
    expect([port, port + 1, port + 2]).not.toContain(second);
    expect(new Set(web.map((service) => service.pid)).size).toBe(3);

    for (const index of [1, 2, 3]) {
      await up.waitForOutput(new RegExp(`^web\\.${index} +\\| DEVSUP_REPLICA=${index}$`, 'm'), 10_000);
      await up.waitForOutput(new RegExp(`^web\\.${index} +\\| DEVSUP_REPLICAS=3$`, 'm'), 10_000);
    }
    const ports = `${first},${second},${third}`;
    await up.waitForOutput(new RegExp(`^client +\\| WEB_PORTS=${ports}$`, 'm'), 10_000);
    await up.waitForOutput(new RegExp(`^client +\\| FIRST=${first}$`, 'm'), 10_000);
    await up.waitForOutput(new RegExp(`^client +\\| DEVSUP_WEB_PORTS=${ports}$`, 'm'), 10_000);

    // On the command line, `web` means every replica, `web.2` one.
    const portOf = await runCli(['port', 'web'], dir);
    expect(portOf).toMatchObject({ code: 0, stdout: `${first}\n${second}\n${third}\n` });
    expect((await runCli(['port', 'web.2'], dir)).stdout).toBe(`${second}\n`);
    const waited = await runCli(['wait', 'web'], dir);
    expect(waited).toMatchObject({
      code: 0,
      stdout: `web.1 is ready on port ${first}\nweb.2 is ready on port ${second}\nweb.3 is ready on port ${third}\n`,
    });
    const run = await runCli(['run', '--', process.execPath, '-e', 'console.log(process.env.DEVSUP_WEB_PORTS)'], dir);
    expect(run).toMatchObject({ code: 0, stdout: `${first},${second},${third}\n` });
    const stopped = await runCli(['stop', 'web.3'], dir);
    expect(stopped.code).toBe(0);
    const restarted = await runCli(['restart', 'web'], dir);
    expect(restarted.code).toBe(0);
    expect(restarted.stdout).toMatch(/web\.1: restarted[\s\S]*web\.2: restarted[\s\S]*web\.3: started/);
    const unknown = await runCli(['restart', 'wbe'], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown service "wbe" — did you mean "web"?');
  });

  it('are named in ports --json by their service and number, not by their key; ports.env lists DEVSUP_<NAME>_PORTS', async () => {
    const port = await findFreePorts(4);
    // Keys may hold dots: `api.v2` runs as api.v2.1 and api.v2.2, and `cache.1` is no replica at all.
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  api.v2:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${port}`,
        '    replicas: 2',
        '  cache.1:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${port + 3}`,
        '',
      ].join('\n'),
    });
    const up = session.up(dir);
    await up.waitForOutput(TABLE_HEADER, 20_000);
    const report = await session.portsJson(dir);
    expect(report.services.map(({ service, replicaOf, replica }) => ({ service, replicaOf, replica }))).toEqual([
      { service: 'api.v2.1', replicaOf: 'api.v2', replica: 1 },
      { service: 'api.v2.2', replicaOf: 'api.v2', replica: 2 },
      { service: 'cache.1', replicaOf: undefined, replica: undefined },
    ]);
    const portsEnv = () =>
      readFileSync(path.join(dir, '.devsup', 'ports.env'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .sort();
    expect(portsEnv()).toEqual(
      [
        `DEVSUP_API_V2_1_PORT=${port}`,
        `DEVSUP_API_V2_2_PORT=${port + 1}`,
        `DEVSUP_API_V2_PORT=${port}`,
        `DEVSUP_API_V2_PORTS=${port},${port + 1}`,
        `DEVSUP_CACHE_1_PORT=${port + 3}`,
      ].sort(),
    );

    // A scaled instance rewrites it with the new list.
    expect((await runCli(['scale', 'api.v2=3'], dir)).code).toBe(0);
    await waitFor(() => portsEnv().includes(`DEVSUP_API_V2_PORTS=${port},${port + 1},${port + 2}`), {
      what: 'ports.env with three replicas',
    });
  });
});

describe('devsup scale', () => {
  it('adds and removes replicas of a running instance, leaving the others running', async () => {
    const port = await findFreePorts(5);
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  web:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${port}`,
        '  api:',
        `    command: ${fixtureArgv('print-env.mjs', '--listen')}`,
        `    port: ${port + 4}`,
        '',
      ].join('\n'),
    });
    const up = session.up(dir, ['--scale', 'web=2']);
    await up.waitForOutput(TABLE_HEADER, 20_000);
    const pidsOf = (report: PortsJson) => Object.fromEntries(report.services.map((service) => [service.service, service.pid]));
    const before = pidsOf(await session.portsJson(dir));
    expect(Object.keys(before)).toEqual(['web.1', 'web.2', 'api']);

    // Not replicated: nothing to scale.
    const notReplicated = await runCli(['scale', 'api=2'], dir);
    expect(notReplicated.code).toBe(2);
    expect(notReplicated.stderr).toContain('api has no replicas to scale');

    const scaledUp = await runCli(['scale', 'web=4'], dir);
    expect(scaledUp).toMatchObject({ code: 0, stdout: 'web: 4 replicas (was 2); started web.3, web.4\n' });
    const up4 = await session.waitForPorts(dir, 'four replicas ready', (report) =>
      ['web.1', 'web.2', 'web.3', 'web.4'].every((key) => report.services.find((service) => service.service === key)?.status === 'ready'),
    );
    expect(up4.services.map((service) => [service.service, service.port])).toEqual([
      ['web.1', port],
      ['web.2', port + 1],
      ['web.3', port + 2],
      ['web.4', port + 3],
      ['api', port + 4],
    ]);
    const afterUp = pidsOf(up4);
    expect({ 'web.1': afterUp['web.1'], 'web.2': afterUp['web.2'], api: afterUp.api }).toEqual(before);

    const scaledDown = await runCli(['scale', 'web=1'], dir);
    expect(scaledDown).toMatchObject({ code: 0, stdout: 'web: 1 replica (was 4); stopped web.2, web.3, web.4\n' });
    const down1 = await session.waitForPorts(dir, 'one replica left', (report) => report.services.length === 2);
    expect(pidsOf(down1)).toEqual({ 'web.1': before['web.1'], api: before.api });
    for (const gone of [afterUp['web.2'], afterUp['web.3'], afterUp['web.4']])
      await waitFor(() => !isAlive(gone!), { what: `replica pid ${gone} gone` });
  });
});
