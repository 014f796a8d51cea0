import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin, fixtureArgv } from '../helpers/e2e-session.js';
import { findFreePorts, isPortFree } from '../helpers/free-port.js';
import { TABLE_HEADER } from '../helpers/parse-port-table.js';
import { fixtureCommand } from '../helpers/temp-project.js';
import { isAlive, waitFor } from '../helpers/wait-for.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

describe('stop_command', () => {
  it('runs instead of stop_signal, with the service environment, and the service is gone afterwards', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  web:',
        // The shell's pid becomes the server's (exec): the stop command reads it from web.pid.
        `    command: echo $$$$ > web.pid && exec ${fixtureCommand('http-server.mjs')}`,
        `    port: ${port}`,
        '    stop_command: echo "stopping $DEVSUP_SERVICE on $PORT" > stop-ran.txt && kill -INT "$(cat web.pid)"',
        // Were the stop command ignored, only this grace would end it: far longer than the test waits.
        '    stop_timeout: 60s',
        '',
      ].join('\n'),
    });
    const up = session.up(dir);
    await up.waitForOutput(TABLE_HEADER, 20_000);
    const pid = Number(readFileSync(path.join(dir, 'web.pid'), 'utf8'));
    session.track(pid);
    expect(isAlive(pid)).toBe(true);

    session.interrupt(up);
    const { code } = await exitWithin(up, 20_000, 'devsup exits after SIGINT');
    expect(code).toBe(0);
    expect(readFileSync(path.join(dir, 'stop-ran.txt'), 'utf8')).toBe(`stopping web on ${port}\n`);
    await waitFor(() => !isAlive(pid), { what: 'the server gone' });
    expect(await isPortFree(port)).toBe(true);
  });
});

describe('daemon: true', () => {
  it('is ready once its command has exited 0 and the daemon answers, and is stopped by its stop_command at Ctrl-C', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  cache:',
        `    command: ${fixtureArgv('start-daemon.mjs', 'daemon.pid')}`,
        `    port: ${port}`,
        '    daemon: true',
        '    ready: { http: / }',
        '    stop_command: kill "$(cat daemon.pid)" && echo stopped > daemon-stopped.txt',
        '',
      ].join('\n'),
    });
    const up = session.up(dir);
    const report = await session.waitForPorts(dir, 'cache ready', (ports) => ports.services[0]?.status === 'ready');
    const daemon = Number(readFileSync(path.join(dir, 'daemon.pid'), 'utf8'));
    session.track(daemon);
    expect(isAlive(daemon)).toBe(true);
    // Its command has exited; the daemon it started is not its process.
    expect(report.services[0]).toMatchObject({ service: 'cache', port, pid: null, restarts: 0 });
    expect(up.stdout()).not.toMatch(/exited with code 0/);

    session.interrupt(up);
    const { code } = await exitWithin(up, 20_000, 'devsup exits after SIGINT');
    expect(code).toBe(0);
    expect(existsSync(path.join(dir, 'daemon-stopped.txt'))).toBe(true);
    await waitFor(() => !isAlive(daemon), { what: 'the daemon gone' });
    expect(await isPortFree(port)).toBe(true);
  });
});
