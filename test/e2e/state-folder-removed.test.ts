import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin, fixtureArgv } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { runCli } from '../helpers/run-cli.js';
import { waitFor } from '../helpers/wait-for.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

async function runningInstance() {
  const port = await findFreePorts(1);
  const { dir } = session.project({
    'services.yaml': ['services:', '  web:', `    command: ${fixtureArgv('http-server.mjs')}`, `    port: ${port}`, ''].join('\n'),
  });
  const up = session.up(dir);
  const report = await session.waitForPorts(dir, 'web ready', (r) => r.services[0]?.status === 'ready');
  return { dir, up, port, webPid: report.services[0]!.pid };
}

describe('.devsup removed while devsup runs (git clean -fdx)', () => {
  it.runIf(process.platform !== 'darwin')('still keeps a second devsup up off the manifest, naming the running pid', async () => {
    const { dir, up } = await runningInstance();
    rmSync(path.join(dir, '.devsup'), { recursive: true, force: true });
    const second = await runCli(['up'], dir);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`devsup is already running for ${path.join(dir, 'services.yaml')} (pid ${up.child.pid})`);
    expect(second.stdout).not.toMatch(/^web +\|/m);
  });

  it('is made again by the running instance, whose commands work again with every service untouched', async () => {
    const { dir, up, port, webPid } = await runningInstance();
    rmSync(path.join(dir, '.devsup'), { recursive: true, force: true });
    const report = await session.waitForPorts(dir, 'the instance answers again', (r) => r.services[0]?.status === 'ready', 10_000);
    expect(report.services[0]).toMatchObject({ pid: webPid, port });
    expect(existsSync(path.join(dir, '.devsup', 'state.json'))).toBe(true);
    const down = await runCli(['down'], dir);
    expect(down.code, down.stderr).toBe(0);
    expect((await exitWithin(up, 15_000)).code).toBe(0);
  });

  it('its control socket alone removed is made again too', async () => {
    const { dir, up } = await runningInstance();
    const socket = path.join(dir, '.devsup', 'control.sock');
    rmSync(socket);
    await waitFor(() => existsSync(socket), { what: 'the control socket made again' });
    // `down` needs the socket itself (ports could fall back to state.json).
    const down = await runCli(['down'], dir);
    expect(down.code, down.stderr).toBe(0);
    expect((await exitWithin(up, 15_000)).code).toBe(0);
  });
});
