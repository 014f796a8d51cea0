import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { FIXTURES } from '../../test/helpers/temp-project.js';
import { isAlive, waitFor } from '../../test/helpers/wait-for.js';
import { findFreePorts } from '../../test/helpers/free-port.js';
import { stopServiceTree } from './stop-service-tree.js';

const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** Spawns a fixture detached (its own process group, as devsup does) and waits for its first line. */
async function startFixture(name: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [path.join(FIXTURES, name)], {
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  started.push(child.pid!);
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  await waitFor(() => output.includes('\n'), { what: `${name} printed its first line` });
  return { pid: child.pid!, output: () => output };
}

describe('stopServiceTree', () => {
  it('stops a grandchild along with its parent', async () => {
    const port = await findFreePorts(1);
    const fixture = await startFixture('spawn-grandchild.mjs', { PORT: String(port) });
    const grandchild = Number(fixture.output().match(/grandchild (\d+)/)![1]);
    expect(isAlive(grandchild)).toBe(true);
    expect(await stopServiceTree(fixture.pid, { signal: 'SIGTERM', timeoutMs: 5_000 })).toBe('gone');
    expect(isAlive(grandchild)).toBe(false);
    expect(isAlive(fixture.pid)).toBe(false);
  });

  it('kills a child that ignores SIGTERM once stop_timeout has passed', async () => {
    const port = await findFreePorts(1);
    const fixture = await startFixture('ignore-sigterm.mjs', { PORT: String(port) });
    const begun = Date.now();
    expect(await stopServiceTree(fixture.pid, { signal: 'SIGTERM', timeoutMs: 300 })).toBe('killed');
    expect(Date.now() - begun).toBeGreaterThanOrEqual(300);
    expect(isAlive(fixture.pid)).toBe(false);
    await waitFor(() => fixture.output().includes('ignoring SIGTERM'), { what: 'the fixture saw SIGTERM first' });
  });

  it('reports a group that is already gone', async () => {
    const child = spawn(process.execPath, ['-e', '0'], { detached: true, stdio: 'ignore' });
    await new Promise((resolve) => child.once('exit', resolve));
    expect(await stopServiceTree(child.pid!, { signal: 'SIGTERM', timeoutMs: 1_000 })).toBe('gone');
  });
});
