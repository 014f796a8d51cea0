import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, fixtureArgv } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { isAlive, waitFor } from '../helpers/wait-for.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

describe('restarts', () => {
  it('restarts a child killed with SIGKILL on the same port, counting one restart', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({
      'services.yaml': ['services:', '  web:', `    command: ${fixtureArgv('http-server.mjs')}`, `    port: ${port}`, ''].join('\n'),
    });
    session.up(dir);
    const before = (await session.waitForPorts(dir, 'web ready', (r) => r.services[0]?.status === 'ready')).services[0]!;
    expect(before).toMatchObject({ port, restarts: 0 });
    const firstPid = before.pid!;

    process.kill(firstPid, 'SIGKILL');
    const after = (
      await session.waitForPorts(dir, 'web ready again with a new pid', (r) => {
        const web = r.services[0]!;
        return web.status === 'ready' && web.pid !== null && web.pid !== firstPid;
      })
    ).services[0]!;
    expect(after).toMatchObject({ port, preferred: port, restarts: 1, status: 'ready' });
    await waitFor(() => !isAlive(firstPid), { what: `killed pid ${firstPid} gone` });
    const answer = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    expect(Number(answer.trim())).toBe(after.pid);
  });

  it('gives up on a crash loop after max_restarts, saying why, and leaves the other service alone', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  steady:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${port}`,
        '  crasher:',
        `    command: ${fixtureArgv('crash-after.mjs', 0, 1)}`,
        '    max_restarts: 2',
        '',
      ].join('\n'),
    });
    const up = session.up(dir);
    const [, steadyPid] = await up.waitForOutput(/^steady +\| listening on \d+ pid (\d+)$/m, 20_000);
    const report = await session.waitForPorts(dir, 'crasher crashed', (r) => r.services.find((s) => s.service === 'crasher')?.status === 'crashed');
    const crasher = report.services.find((s) => s.service === 'crasher')!;
    expect(crasher.restarts).toBe(2);
    expect(crasher.pid).toBeNull();

    // stderr: it crashed, with its exit code and its last lines.
    const stderr = await waitFor(() => (/crasher[^\n]*crash/.test(up.stderr()) ? up.stderr() : undefined), {
      what: 'crash message on stderr',
      describe: () => up.stderr(),
    });
    expect(stderr).toMatch(/crasher[^\n]*crashed[^\n]*code 1|crasher[^\n]*code 1[^\n]*crash/);
    const crashMessage = stderr.slice(stderr.search(/crasher[^\n]*crash/));
    expect(crashMessage).toMatch(/failing with code 1/);

    // The other service was not touched.
    const again = await session.portsJson(dir);
    expect(again.services.find((s) => s.service === 'steady')).toMatchObject({ status: 'ready', pid: Number(steadyPid), restarts: 0, port });
    expect(up.child.exitCode).toBeNull();
  });
});
