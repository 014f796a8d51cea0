import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin, watchdogOf } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { TABLE_HEADER } from '../helpers/parse-port-table.js';
import { isAlive, waitFor } from '../helpers/wait-for.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

describe('a devsup killed with SIGKILL', () => {
  it('takes its children and grandchildren with it within 2 s', async () => {
    const { up, pids } = await session.upTree(await findFreePorts(1));
    expect(watchdogOf(up.child.pid!)).toBeDefined();
    process.kill(up.child.pid!, 'SIGKILL');
    await exitWithin(up, 5_000, 'devsup dies');
    await waitFor(() => pids.every((pid) => !isAlive(pid)), {
      what: 'child and grandchild gone',
      timeoutMs: 2_000,
      describe: () => pids.filter(isAlive),
    });
  });

  it('leaves nothing that the next devsup up in that folder must reclaim', async () => {
    const port = await findFreePorts(1);
    const first = await session.upTree(port);
    process.kill(first.up.child.pid!, 'SIGKILL');
    await exitWithin(first.up, 5_000, 'devsup dies');
    await waitFor(() => first.pids.every((pid) => !isAlive(pid)), { what: 'first tree gone', timeoutMs: 2_000 });

    const second = session.up(first.dir);
    await second.waitForOutput(TABLE_HEADER, 20_000);
    expect(second.stderr()).not.toContain('left running by devsup');
    session.interrupt(second);
    expect((await exitWithin(second, 15_000)).code).toBe(0);
  });

  it('has its survivors stopped by the next devsup up in that folder, when its watchdog died too', async () => {
    const port = await findFreePorts(1);
    const first = await session.upTree(port);
    const watchdog = watchdogOf(first.up.child.pid!)!;
    process.kill(watchdog, 'SIGKILL');
    process.kill(first.up.child.pid!, 'SIGKILL');
    await exitWithin(first.up, 5_000, 'devsup dies');
    expect(first.pids.every(isAlive)).toBe(true);
    expect(readFileSync(path.join(first.dir, '.devsup', 'state.json'), 'utf8')).not.toContain('stoppedCleanly');

    const second = session.up(first.dir);
    await second.waitForOutput(TABLE_HEADER, 20_000);
    expect(second.stderr()).toContain(`stopped tree (pid ${first.pids[0]}): left running by devsup pid ${first.up.child.pid}, which was killed.`);
    expect(first.pids.some(isAlive)).toBe(false);
    // The survivor held the port; the new instance got it back rather than a fallback.
    expect(second.stdout()).toMatch(new RegExp(`^tree +${port} +${port} +ready`, 'm'));
    session.interrupt(second);
    expect((await exitWithin(second, 15_000)).code).toBe(0);
  });
});
