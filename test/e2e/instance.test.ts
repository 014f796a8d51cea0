import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin, fixtureArgv } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { runCli } from '../helpers/run-cli.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

const server = (port: number) => ['services:', '  web:', `    command: ${fixtureArgv('http-server.mjs')}`, `    port: ${port}`, ''].join('\n');

async function expectNotRunning(dir: string): Promise<void> {
  for (const args of [['ports'], ['ports', '--json'], ['ps'], ['ps', '--json']]) {
    const result = await runCli(args, dir);
    expect(result.code, `devsup ${args.join(' ')}: ${result.stderr}`).toBe(1);
    expect(result.stderr).toContain(`devsup is not running in ${dir}`);
    expect(result.stdout).toBe('');
  }
}

describe('the running instance', () => {
  it('devsup ports / ps with nothing running: stderr says so, exit 1', async () => {
    const { dir } = session.project({ 'services.yaml': server(await findFreePorts(1)) });
    await expectNotRunning(dir);
  });

  it('devsup ports after an instance has ended: not running, exit 1', async () => {
    const { dir } = session.project({
      'services.yaml': ['services:', '  once:', `    command: ${fixtureArgv('crash-after.mjs', 0, 0)}`, '    restart: never', ''].join('\n'),
    });
    const up = session.up(dir);
    expect((await exitWithin(up, 20_000)).code).toBe(0);
    await expectNotRunning(dir);
  });

  it('a second devsup up in the same folder exits 1 naming the running pid', async () => {
    const { dir } = session.project({ 'services.yaml': server(await findFreePorts(1)) });
    const first = session.up(dir);
    const before = await session.waitForPorts(dir, 'web ready', (r) => r.services[0]?.status === 'ready');

    const second = session.up(dir);
    const { code } = await exitWithin(second, 20_000, 'the second devsup up exits');
    expect(code, second.stderr()).toBe(1);
    expect(second.stderr()).toMatch(new RegExp(`\\b${first.child.pid}\\b`));
    expect(second.stderr()).toMatch(/running/);

    // The first instance is untouched.
    const after = await session.portsJson(dir);
    expect(after.pid).toBe(first.child.pid);
    expect(after.services[0]).toMatchObject({ status: 'ready', pid: before.services[0]!.pid });
  });
});
