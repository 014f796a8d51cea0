import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, fixtureArgv } from '../helpers/e2e-session.js';
import { findFreePorts, isPortFree } from '../helpers/free-port.js';
import { TABLE_HEADER } from '../helpers/parse-port-table.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

const ACTIVE = ['starting', 'ready', 'running', 'restarting'];

describe('devsup up SERVICE…', () => {
  it('starts the named service and what it depends on, nothing else', async () => {
    const base = await findFreePorts(3);
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  tools:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${base}`,
        '  llm:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${base + 1}`,
        '    depends_on: [tools]',
        '  other:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${base + 2}`,
        '',
      ].join('\n'),
    });
    const up = session.up(dir, ['llm']);
    const report = await session.waitForPorts(dir, 'llm ready', (r) => r.services.find((s) => s.service === 'llm')?.status === 'ready');
    expect(report.services.find((s) => s.service === 'tools')).toMatchObject({ status: 'ready', port: base });
    expect(report.services.find((s) => s.service === 'llm')).toMatchObject({ status: 'ready', port: base + 1 });
    const other = report.services.find((s) => s.service === 'other');
    if (other) {
      expect(ACTIVE).not.toContain(other.status);
      expect(other.pid).toBeNull();
    }
    expect(await isPortFree(base + 2)).toBe(true);
    expect(up.stdout()).not.toMatch(/^other +\| listening/m);
    // A service left out of this run has nothing to tell: not "stopped", which it never was.
    await up.waitForOutput(TABLE_HEADER, 20_000);
    expect(up.stdout()).not.toMatch(/^other +\|/m);
    expect(up.stdout()).toMatch(/^tools +\| listening/m);
  });
});
