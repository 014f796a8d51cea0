import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin, fixtureArgv, type PortsJson } from '../helpers/e2e-session.js';
import { findFreePorts, isPortFree } from '../helpers/free-port.js';
import { parsePortTable } from '../helpers/parse-port-table.js';
import { isAlive, waitFor } from '../helpers/wait-for.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

/** One `devsup up` run in `dir` until its table is out (web settled); returns its report and table, then stops it cleanly. */
async function runOnce(dir: string): Promise<{ report: PortsJson; table: ReturnType<typeof parsePortTable> }> {
  const up = session.up(dir);
  await up.waitForOutput(/^! .*$/m, 20_000);
  const report = await session.portsJson(dir);
  expect(report.services[0]?.status).toBe('ready');
  const table = parsePortTable(up.stdout(), 1);
  session.interrupt(up);
  expect((await exitWithin(up, 15_000)).code).toBe(0);
  return { report, table };
}

describe('sticky fallbacks', () => {
  it('give a service the same fallback as last run while its preferred port stays taken, and say so', async () => {
    const base = await findFreePorts(4);
    const holder = await session.holdPort(base, '0.0.0.0');
    const next = await session.holdPort(base + 1, '127.0.0.1');
    const { dir } = session.project({
      'services.yaml': ['services:', '  web:', `    command: ${fixtureArgv('http-server.mjs')}`, `    port: ${base}`, ''].join('\n'),
    });

    const first = await runOnce(dir);
    expect(first.report.services[0]).toMatchObject({ port: base + 2, preferred: base, holder: { pid: holder.pid } });
    expect(first.report.services[0]).not.toHaveProperty('lastRun'); // nothing to compare with yet
    expect(first.table.header).not.toContain('LAST RUN');

    // The next port up is free again, so a plain scan would now give base + 1.
    process.kill(next.pid, 'SIGKILL');
    await waitFor(async () => !isAlive(next.pid) && (await isPortFree(base + 1)), { what: `port ${base + 1} free again` });
    const second = await runOnce(dir);
    expect(second.report.services[0]).toMatchObject({ port: base + 2, lastRun: 'same' });
    expect(second.table.rows[0]).toMatchObject({
      PORT: String(base + 2),
      PREFERRED: `${base} !`,
      URL: `http://localhost:${base + 2}`,
      'LAST RUN': 'same',
    });
    expect(second.table.notes).toEqual([expect.stringMatching(new RegExp(`^! ${base} is held by pid ${holder.pid}: `))]);

    // Last run's port is taken now: the service moves on, and the table says its port is new.
    await session.holdPort(base + 2, '::1');
    const third = await runOnce(dir);
    expect(third.report.services[0]).toMatchObject({ port: base + 1, lastRun: 'new', lastRunPort: base + 2 });
    expect(third.table.rows[0]).toMatchObject({ PORT: String(base + 1), 'LAST RUN': `new (was ${base + 2})` });
  });
});
