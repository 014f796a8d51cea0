import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin, fixtureArgv } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { TABLE_HEADER } from '../helpers/parse-port-table.js';
import { FIXTURES } from '../helpers/temp-project.js';
import { isAlive, waitFor } from '../helpers/wait-for.js';

const session = new E2ESession();
// The fakes run outside the test's folders, where the session's cleanup does not look: killed here, by pid.
const fakes: number[] = [];
afterEach(async () => {
  for (const pid of fakes.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  await session.cleanup();
});

/** A process that looks like a service of a devsup instance `instance`, listening on `port`. */
async function fakeDevsupChild(port: number, instance: number): Promise<number> {
  const child = spawn(process.execPath, [`${FIXTURES}http-server.mjs`], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
    env: {
      ...process.env,
      PORT: String(port),
      DEVSUP_SERVICE: 'old',
      DEVSUP_INSTANCE: String(instance),
      DEVSUP_MANIFEST: '/elsewhere/services.yaml',
    },
  });
  fakes.push(child.pid!);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  await waitFor(() => out.includes('listening'), { what: 'fake devsup child listening' });
  return child.pid!;
}

/** The pid of a process that has already ended: an instance that is gone. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

const manifest = (port: number) => ['services:', '  web:', `    command: ${fixtureArgv('http-server.mjs')}`, `    port: ${port}`, ''].join('\n');

describe('devsup up --reclaim', () => {
  it('stops an orphaned devsup child that holds a preferred port, and takes the port', async () => {
    const port = await findFreePorts(1);
    const orphan = await fakeDevsupChild(port, await deadPid());
    const { dir } = session.project({ 'services.yaml': manifest(port) });
    const up = session.up(dir, ['--reclaim']);
    await up.waitForOutput(TABLE_HEADER, 20_000);
    expect(up.stderr()).toContain(
      `reclaimed port ${port}: stopped service old (pid ${orphan}) left by a devsup that is gone (/elsewhere/services.yaml).`,
    );
    expect(isAlive(orphan)).toBe(false);
    expect(up.stdout()).toMatch(new RegExp(`^web +${port} +${port} +ready`, 'm'));
    session.interrupt(up);
    expect((await exitWithin(up, 15_000)).code).toBe(0);
  });

  it('leaves a child of a running instance alone, and without --reclaim touches nothing', async () => {
    const port = await findFreePorts(2);
    const child = await fakeDevsupChild(port, process.pid);
    const { dir } = session.project({ 'services.yaml': manifest(port) });
    const up = session.up(dir, ['--reclaim']);
    await up.waitForOutput(TABLE_HEADER, 20_000);
    expect(up.stderr()).toContain(
      `port ${port} is held by service old of the devsup running as pid ${process.pid} for /elsewhere/services.yaml; stop it there (devsup down), --reclaim leaves it alone.`,
    );
    expect(isAlive(child)).toBe(true);
    session.interrupt(up);
    expect((await exitWithin(up, 15_000)).code).toBe(0);

    const orphan = await fakeDevsupChild(port + 1, await deadPid());
    const second = session.project({ 'services.yaml': manifest(port + 1) });
    const plain = session.up(second.dir);
    await plain.waitForOutput(TABLE_HEADER, 20_000);
    expect(isAlive(orphan)).toBe(true);
    expect(plain.stderr()).toContain(`port ${port + 1} is held by pid ${orphan}`);
    session.interrupt(plain);
    expect((await exitWithin(plain, 15_000)).code).toBe(0);
  });
});
