import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, fixtureArgv } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { PtySession, type PtyOptions } from '../helpers/pty-session.js';
import { TABLE_HEADER } from '../helpers/parse-port-table.js';

// Plain `devsup up` on a real terminal, read as a user reads it: the task list, the table, the keys.
const session = new E2ESession();
const ptys: PtySession[] = [];
afterEach(async () => {
  ptys.forEach((pty) => pty.kill());
  await Promise.all(ptys.map((pty) => pty.exited));
  ptys.length = 0;
  await session.cleanup();
});

/** `node -e CODE` as a YAML flow list (no shell). */
const nodeCode = (code: string) => JSON.stringify([process.execPath, '-e', code]);

function openUp(dir: string, options: PtyOptions = {}): PtySession {
  const pty = new PtySession(['up'], dir, { env: { NO_COLOR: '1' }, ...options });
  ptys.push(pty);
  return pty;
}

describe('devsup up on a terminal', () => {
  it('the start-up list follows a service that settled (a one-shot exited, a crash); the crash is summed up after its lines', async () => {
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  slow:', // ready after its fifth tick: the list is still up when the others have ended
        `    command: ${fixtureArgv('say-every.mjs', 'tick', 200)}`,
        '    ready: { log: "tick 4" }',
        '  migrate:',
        `    command: ${nodeCode("console.log('migrated')")}`,
        '    ready: none',
        '    restart: never',
        '  api:',
        `    command: ${fixtureArgv('crash-after.mjs', 100, 1)}`,
        '    ready: none',
        '    max_restarts: 0',
        '',
      ].join('\n'),
    });
    const up = openUp(dir);
    await up.waitForScreen('the table', () => up.allText().some((line) => TABLE_HEADER.test(line)), 20_000);
    const lines = up.allText();
    expect(lines).toContain('✔ migrate: exited with code 0');
    expect(lines).toContain('✔ api: started, then crashed: exited with code 1');
    const explained = lines.findLastIndex((line) => /^api +\| failing with code 1$/.test(line));
    const summary = lines.findIndex((line) => line.startsWith('devsup: api crashed'));
    expect(explained, lines.join('\n')).toBeGreaterThan(0);
    expect(summary, lines.join('\n')).toBeGreaterThan(explained);
  });

  it("r's prompt stays on a line of its own under the lines, what is typed never mixed into them; q says what it does", async () => {
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  api:',
        `    command: ${fixtureArgv('say-every.mjs', 'api-says', 40)}`,
        '    ready: none',
        '  worker:',
        `    command: ${fixtureArgv('say-every.mjs', 'worker-says', 40)}`,
        '    ready: none',
        '',
      ].join('\n'),
    });
    const up = openUp(dir);
    await up.waitForScreen('the keys hint', (text) => text.includes('keys: r restart a service'));
    const lastRow = () =>
      up
        .screen()
        .filter((row) => row !== '')
        .at(-1);
    /** Types one key, then lets a few lines of each service pass under the prompt. */
    const typeSlowly = async (key: string) => {
      const seen = up.allText().length;
      up.press(key);
      await up.waitForScreen(
        'lines passing',
        () =>
          up
            .allText()
            .slice(seen)
            .filter((row) => /^worker +\| /.test(row)).length >= 3,
      );
    };
    await typeSlowly('r');
    expect(lastRow()).toBe('restart:'); // rows are read without trailing spaces
    await typeSlowly('w');
    await typeSlowly('o');
    expect(lastRow()).toBe('restart: wo');
    const logRows = up.allText().filter((row) => row.includes('-says '));
    expect(logRows.length).toBeGreaterThan(6);
    for (const row of logRows) expect(row).toMatch(/^(api|worker) +\| (api|worker)-says (pid )?\d+$/);

    up.press('r\r');
    await up.waitForScreen(
      'the restart said, the prompt gone',
      () => up.allText().includes('restarting worker…') && !lastRow()!.startsWith('restart:'),
    );
    up.press('q');
    expect(await up.exited).toBe(0);
    expect(up.allText()).toContain('devsup: q: stopping every service (q or Ctrl-C again to kill them at once)…');
  });

  it('at 70 columns the table leaves columns out instead of wrapping', async () => {
    const web = await findFreePorts(2); // a run of two
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        ...[
          ['web', web],
          ['api', web + 1],
        ].flatMap(([key, port]) => [`  ${key}:`, `    command: ${fixtureArgv('http-server.mjs')}`, `    port: ${port}`]),
        '',
      ].join('\n'),
    });
    const up = openUp(dir, { columns: 70 });
    await up.waitForScreen('the table and the keys', (text) => text.includes('keys: r restart'));
    const rows = up.rows();
    const header = rows.findIndex((row) => row.text.startsWith('SERVICE '));
    expect(rows[header]!.text).toMatch(/^SERVICE +PORT +PREFERRED +STATUS +PID +URL$/);
    expect(rows[header + 1]!.text).toMatch(new RegExp(`^web +${web} +${web} +ready +\\d+ +http://localhost:${web}$`));
    expect(rows.slice(header, header + 3).filter((row) => row.wrapped)).toEqual([]);
  });
});
