import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, makeSick, sickableApi } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { isAlive, waitFor } from '../helpers/wait-for.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

describe('health', () => {
  it('marks a ready service unhealthy while its check fails, and restarts it after `failures` failures in a row', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({ 'services.yaml': sickableApi(port, '200ms') });
    const up = session.up(dir);
    const ready = await session.waitForPorts(dir, 'api ready', (report) => report.services[0]?.status === 'ready');
    const firstPid = ready.services[0]!.pid!;

    makeSick(dir, firstPid);
    // Each change of status is a line of `up`'s output: unhealthy with what the check saw, then the stop.
    await up.waitForOutput(/^api +\| unhealthy: http \/health → 503 \(1 of 3 failed checks\)$/m, 10_000);
    await up.waitForOutput(/^api +\| unhealthy: http \/health → 503 \(2 of 3 failed checks\)$/m, 10_000);
    await up.waitForOutput(/^api +\| health check failed 3 times: http \/health → 503; restarting (now|in \d+ ms)/m, 10_000);
    expect(up.stderr()).toContain('api: health check failed 3 times: http /health → 503');

    // Restarted as a crash; the new run (another pid) is healthy.
    const restarted = await session.waitForPorts(
      dir,
      'api ready again in a new process',
      (report) => report.services[0]?.status === 'ready' && report.services[0].pid !== firstPid,
    );
    expect(restarted.services[0]).toMatchObject({ restarts: 1, port });
    await waitFor(() => !isAlive(firstPid), { what: 'the unhealthy process gone' });
  });
});
