import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, waitFor } from '../../test/helpers/wait-for.js';
import { processStartTime } from '../ports/process-identity.js';
import { stopLeftovers } from './leftovers.js';
import type { InstanceState } from './state-folder.js';

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.pid !== undefined && isAlive(child.pid)) process.kill(child.pid, 'SIGKILL');
});

/** A long-running process of its own group, as a service's would be. */
function service(): number {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { detached: true, stdio: 'ignore' });
  started.push(child);
  return child.pid!;
}

/** The state a previous instance left, whose devsup (pid) is gone. */
async function stateOfAGoneInstance(children: number[], extra: Partial<InstanceState> = {}): Promise<InstanceState> {
  const gone = spawn(process.execPath, ['-e', '0']);
  const pid = gone.pid!;
  await new Promise((resolve) => gone.once('exit', resolve));
  await waitFor(() => processStartTime(children[0]!) !== undefined, { what: 'the service started' });
  return {
    version: 1,
    pid,
    startTime: '1',
    startedAt: new Date().toISOString(),
    report: { project: 'p', pid, manifest: '/x/services.yaml', services: [] },
    children: children.map((child) => ({ service: 'web', pid: child, startTime: processStartTime(child) })),
    ...extra,
  };
}

describe('stopLeftovers', () => {
  it('stops what a killed instance recorded as running', async () => {
    const pid = service();
    const said = await stopLeftovers(await stateOfAGoneInstance([pid]), '/x/services.yaml');
    expect(said).toEqual([`web (pid ${pid})`]);
    await waitFor(() => !isAlive(pid), { what: 'the leftover stopped' });
  });

  it('looks for nothing after an instance that stopped every service itself', async () => {
    const pid = service();
    const said = await stopLeftovers(await stateOfAGoneInstance([pid], { stoppedCleanly: true }), '/x/services.yaml');
    expect(said).toEqual([]);
    expect(isAlive(pid)).toBe(true);
  });
});
