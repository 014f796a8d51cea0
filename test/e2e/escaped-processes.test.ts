import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin, fixtureArgv, watchdogOf } from '../helpers/e2e-session.js';
import { runCli } from '../helpers/run-cli.js';
import { isAlive, waitFor } from '../helpers/wait-for.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

/** A service whose child leaves the process group (setsid); resolves with that child's pid once it runs. */
async function upWithEscapee() {
  const { dir } = session.project({
    'services.yaml': ['services:', '  daemon:', `    command: ${fixtureArgv('escape-group.mjs', 'escaped.pid')}`, '    ready: none', ''].join('\n'),
  });
  const up = session.up(dir);
  await up.waitForOutput(/^daemon +\| escaped \d+$/m, 20_000);
  const escaped = Number(readFileSync(path.join(dir, 'escaped.pid'), 'utf8'));
  session.track(escaped);
  expect(isAlive(escaped)).toBe(true);
  return { dir, up, escaped };
}

describe.runIf(process.platform === 'linux')("a process that left its service's process group", () => {
  it('is stopped by devsup down', async () => {
    const { dir, up, escaped } = await upWithEscapee();
    expect((await runCli(['down'], dir)).code).toBe(0);
    await exitWithin(up, 15_000);
    await waitFor(() => !isAlive(escaped), { what: `escaped pid ${escaped} gone` });
  });

  it('is stopped by devsup stop SERVICE, while the instance runs on', async () => {
    const { dir, up, escaped } = await upWithEscapee();
    expect((await runCli(['stop', 'daemon'], dir)).code).toBe(0);
    await waitFor(() => !isAlive(escaped), { what: `escaped pid ${escaped} gone` });
    expect(up.child.exitCode).toBeNull();
  });

  it('dies within 2 s when devsup is killed with SIGKILL (the watchdog finds it by its mark)', async () => {
    const { up, escaped } = await upWithEscapee();
    process.kill(up.child.pid!, 'SIGKILL');
    await exitWithin(up, 5_000, 'devsup dies');
    await waitFor(() => !isAlive(escaped), { what: `escaped pid ${escaped} gone`, timeoutMs: 2_000 });
  });

  it('is stopped by the next devsup up when devsup and its watchdog were both killed', async () => {
    const { dir, up, escaped } = await upWithEscapee();
    process.kill(watchdogOf(up.child.pid!)!, 'SIGKILL');
    process.kill(up.child.pid!, 'SIGKILL');
    await exitWithin(up, 5_000, 'devsup dies');
    expect(isAlive(escaped)).toBe(true);
    const second = session.up(dir);
    await second.waitForOutput(/^daemon +\| escaped \d+$/m, 20_000);
    expect(isAlive(escaped)).toBe(false);
    expect(second.stderr()).toContain(`(pid ${escaped}, outside its process group)`);
  });
});
