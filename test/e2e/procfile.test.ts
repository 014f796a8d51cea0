import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession } from '../helpers/e2e-session.js';
import os from 'node:os';
import { findFreePorts, isPortFree } from '../helpers/free-port.js';
import { runCli } from '../helpers/run-cli.js';
import { fixtureCommand } from '../helpers/temp-project.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

describe('a Procfile without services.yaml', () => {
  it('gives its processes ports 5000, 5100 as foreman does (or explains the fallback when taken), and waits for web alone to listen', async () => {
    // Free for this run: unbound, and not leased to a devsup already running elsewhere on this machine.
    const usable = async (port: number) =>
      (await isPortFree(port)) && JSON.parse((await runCli(['who', String(port), '--json'], os.tmpdir())).stdout).lease === null;
    const free = { 5000: await usable(5000), 5100: await usable(5100) };
    const { dir } = session.project({
      // A worker that never listens: it must not hold up the table, nor be restarted for not listening.
      Procfile: [
        '# a web process and a worker',
        `web: ${fixtureCommand('http-server.mjs')}`,
        `worker: ${fixtureCommand('crash-after.mjs', 600_000, 0)}`,
        '',
      ].join('\n'),
    });
    const up = session.up(dir);
    const report = await session.waitForPorts(
      dir,
      'web ready, worker running',
      (r) => r.services.length === 2 && r.services[0]!.status === 'ready' && r.services[1]!.status === 'running',
    );
    await up.waitForOutput(/^SERVICE +PORT/m, 10_000);
    const [web, worker] = report.services;
    expect(web).toMatchObject({ service: 'web', preferred: 5000 });
    expect(worker).toMatchObject({ service: 'worker', preferred: 5100 });
    for (const [service, preferred] of [
      [web!, 5000],
      [worker!, 5100],
    ] as const) {
      if (free[preferred]) {
        expect(service.port).toBe(preferred);
      } else {
        // Taken by something else on this machine at run time: the fallback must be explained.
        expect(service.port).not.toBe(preferred);
        expect(up.stderr()).toMatch(new RegExp(`${service.service}[^\\n]*\\b${preferred}\\b`));
      }
    }
    // The port is what the process was given as $PORT: it answers there.
    const answer = await (await fetch(`http://127.0.0.1:${web!.port}/`)).text();
    expect(answer.trim()).toMatch(/^\d+$/);
  });
});

describe('a Procfile.dev with a release line', () => {
  it('runs release once, first, and the others after it exits 0; --base-port gives the ports; the worker shows no URL', async () => {
    const base = await findFreePorts(201); // web gets base + 100, worker base + 200: release keeps its place, as in foreman
    const { dir } = session.project({
      'Procfile.dev': [
        `release: ${fixtureCommand('crash-after.mjs', 300, 0)}`,
        `web: ${fixtureCommand('http-server.mjs')}`,
        `worker: ${fixtureCommand('crash-after.mjs', 600_000, 0)}`,
        '',
      ].join('\n'),
      Procfile: 'web: echo production only\n', // Procfile.dev is what development runs
    });
    const up = session.up(dir, ['--base-port', String(base)]);
    const report = await session.waitForPorts(dir, 'release exited, web ready, worker running', (r) =>
      ['exited', 'ready', 'running'].every((status, i) => r.services[i]?.status === status),
    );
    const [release, web, worker] = report.services;
    expect(release).toMatchObject({ service: 'release', port: null, url: null });
    expect(web).toMatchObject({ service: 'web', port: base + 100, url: `http://localhost:${base + 100}` });
    expect(worker).toMatchObject({ service: 'worker', port: base + 200, url: null });
    // web and worker started only once release had finished.
    const output = up.stdout();
    const finished = output.indexOf('release | failing with code 0');
    expect(finished).toBeGreaterThan(-1);
    expect(output.indexOf('web     | listening on')).toBeGreaterThan(finished);
    expect(output.indexOf('worker  | started pid')).toBeGreaterThan(finished);
  });
});

describe('devsup check on a Procfile', () => {
  it("plans foreman's ports from --base-port or .foreman, says which .foreman settings it does not use, and refuses --base-port for a services.yaml", async () => {
    const { dir, write } = session.project({ Procfile: 'web: a\nworker: b\n', '.foreman': 'port: 7000\nformation: web=1,worker=2\n' });
    const fromFile = await runCli(['check'], dir);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(fromFile.stdout).toMatch(/^web +\d+ +7000 /m);
    expect(fromFile.stdout).toMatch(/^worker +\d+ +7100 /m);
    expect(fromFile.stderr).toContain('devsup: .foreman:2:1: "formation" is foreman\'s setting, not used by devsup');
    const fromFlag = await runCli(['check', '--base-port', '6000'], dir);
    expect(fromFlag.stdout).toMatch(/^web +\d+ +6000 /m);
    expect(fromFlag.stdout).toMatch(/^worker +\d+ +6100 /m);

    write('services.yaml', 'services:\n  web: { command: a, port: 3000 }\n');
    const refused = await runCli(['check', '--base-port', '6000'], dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("--base-port gives a Procfile's processes their ports, but services.yaml is not a Procfile.");
  });
});
