import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin, fixtureArgv } from '../helpers/e2e-session.js';
import { findFreePorts, isPortFree } from '../helpers/free-port.js';
import { TABLE_HEADER } from '../helpers/parse-port-table.js';
import { isAlive, waitFor } from '../helpers/wait-for.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

describe('Ctrl-C', () => {
  it('stops a child and its grandchild, then exits 0', async () => {
    const port = await findFreePorts(1);
    const { dir, up, pids } = await session.upTree(port);
    expect(pids.every(isAlive)).toBe(true);

    session.interrupt(up);
    const { code } = await exitWithin(up, 15_000, 'devsup exits after SIGINT');
    expect(code).toBe(0);
    await waitFor(() => pids.every((pid) => !isAlive(pid)), { what: 'child and grandchild gone', describe: () => pids.filter(isAlive) });
    expect(await isPortFree(port)).toBe(true);
    // So the next `up` here need not look for anything left running.
    const state = JSON.parse(readFileSync(path.join(dir, '.devsup', 'state.json'), 'utf8')) as { stoppedCleanly?: boolean; children?: unknown[] };
    expect(state).toMatchObject({ stoppedCleanly: true, children: [] });
  });

  it('kills a child that ignores SIGTERM once stop_timeout has passed, and still exits 0', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  stubborn:',
        `    command: ${fixtureArgv('ignore-sigterm.mjs')}`,
        `    port: ${port}`,
        '    stop_timeout: 500ms',
        '',
      ].join('\n'),
    });
    const up = session.up(dir);
    const [, pidText] = await up.waitForOutput(/^stubborn +\| stubborn pid (\d+)$/m, 20_000);
    const pid = Number(pidText);
    session.track(pid);
    await up.waitForOutput(TABLE_HEADER, 20_000);

    const signalled = Date.now();
    session.interrupt(up);
    const { code } = await exitWithin(up, 15_000, 'devsup exits after SIGINT');
    const elapsed = Date.now() - signalled;
    expect(code).toBe(0);
    expect(isAlive(pid)).toBe(false);
    // 500 ms of grace, not the default 5 s.
    expect(elapsed).toBeLessThan(4_500);
  });

  it('kills at once on a second Ctrl-C, without waiting for stop_timeout', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  stubborn:',
        `    command: ${fixtureArgv('ignore-sigterm.mjs')}`,
        `    port: ${port}`,
        '    stop_timeout: 60s',
        '',
      ].join('\n'),
    });
    const up = session.up(dir);
    const [, pidText] = await up.waitForOutput(/^stubborn +\| stubborn pid (\d+)$/m, 20_000);
    const pid = Number(pidText);
    session.track(pid);
    await up.waitForOutput(TABLE_HEADER, 20_000);

    session.interrupt(up);
    await up.waitForOutput(/^stubborn +\| ignoring SIGTERM$/m, 10_000);
    session.interrupt(up);
    // Well inside the 60 s of grace: only the second Ctrl-C can have ended it.
    const { code } = await exitWithin(up, 15_000, 'devsup exits after a second SIGINT');
    expect(code).toBe(0);
    expect(isAlive(pid)).toBe(false);
    expect(up.stderr()).toContain('killing every service now');
  });

  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    it(`stops everything cleanly on ${signal} to devsup itself`, async () => {
      const port = await findFreePorts(1);
      const { dir } = session.project({
        'services.yaml': ['services:', '  web:', `    command: ${fixtureArgv('http-server.mjs')}`, `    port: ${port}`, ''].join('\n'),
      });
      const up = session.up(dir);
      const [, pidText] = await up.waitForOutput(/^web +\| listening on \d+ pid (\d+)$/m, 20_000);
      session.track(Number(pidText));
      await up.waitForOutput(TABLE_HEADER, 20_000);
      process.kill(up.child.pid!, signal);
      const { code } = await exitWithin(up, 15_000, `devsup exits after ${signal}`);
      expect(code).toBe(0);
      expect(isAlive(Number(pidText))).toBe(false);
      expect(up.stderr()).toContain(`${signal}: stopping every service`);
    });
  }
});
