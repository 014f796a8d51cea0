import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { findMarkedProcesses, stopMarkedProcesses } from './marked-processes.js';
import { ownStartTime } from './process-identity.js';
import { isAlive, waitFor } from '../../test/helpers/wait-for.js';

const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

/** A process in a session of its own (it left any group of ours) that carries a devsup mark. */
function markedProcess(service: string, instance = process.pid): number {
  const child = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1 << 30)"], {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, DEVSUP_INSTANCE: String(instance), DEVSUP_SERVICE: service, DEVSUP_MANIFEST: '/p/services.yaml' },
  });
  child.unref();
  started.push(child.pid!);
  return child.pid!;
}

const pidsOf = (filter: Parameters<typeof findMarkedProcesses>[0]) => findMarkedProcesses(filter).map((entry) => entry.pid);

describe.runIf(process.platform === 'linux')('findMarkedProcesses', () => {
  it("finds processes by their instance's and service's mark, wherever they are in the process tree", async () => {
    const web = markedProcess('web');
    const worker = markedProcess('worker');
    const stranger = markedProcess('web', process.pid + 1_000_000);
    await waitFor(() => pidsOf({ instance: process.pid, instanceStart: ownStartTime() }).length >= 2, { what: 'marked processes visible' });
    expect(pidsOf({ instance: process.pid, instanceStart: ownStartTime(), service: 'web' })).toEqual([web]);
    expect(pidsOf({ instance: process.pid, instanceStart: ownStartTime() }).sort()).toEqual([web, worker].sort());
    expect(pidsOf({ instance: process.pid, instanceStart: ownStartTime(), manifest: '/other/services.yaml' })).toEqual([]);
    expect(pidsOf({ instance: process.pid + 1_000_000, instanceStart: undefined })).toEqual([stranger]);
  });

  it('passes over marked processes older than the instance: they cannot be its descendants', async () => {
    const web = markedProcess('web');
    await waitFor(() => pidsOf({ instance: process.pid, instanceStart: ownStartTime() }).includes(web), { what: 'web visible' });
    const later = String(Number.MAX_SAFE_INTEGER);
    expect(pidsOf({ instance: process.pid, instanceStart: later })).toEqual([]);
  });

  it('stops them with the signal, then SIGKILL after the grace for one that ignores it', async () => {
    const stubborn = markedProcess('web');
    await waitFor(() => pidsOf({ instance: process.pid, instanceStart: ownStartTime() }).includes(stubborn), { what: 'stubborn visible' });
    await stopMarkedProcesses(findMarkedProcesses({ instance: process.pid, instanceStart: ownStartTime() }), 'SIGTERM', 100);
    await waitFor(() => !isAlive(stubborn), { what: 'stubborn gone' });
  });
});
