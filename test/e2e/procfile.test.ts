import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession } from '../helpers/e2e-session.js';
import os from 'node:os';
import { isPortFree } from '../helpers/free-port.js';
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
