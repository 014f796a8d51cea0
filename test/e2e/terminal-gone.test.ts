import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession } from '../helpers/e2e-session.js';
import { PtySession } from '../helpers/pty-session.js';
import { fixtureCommand } from '../helpers/temp-project.js';
import { isAlive, waitFor } from '../helpers/wait-for.js';

const session = new E2ESession();
let pty: PtySession | undefined;
afterEach(async () => {
  pty?.kill();
  await pty?.exited;
  pty = undefined;
  await session.cleanup();
});

describe('devsup up in a terminal that goes away', () => {
  it('with no SIGHUP (only its writes fail) stops every service as Ctrl-C does', async () => {
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  api:',
        // The shell's pid becomes the service's (exec): the stop command reads it from api.pid.
        `    command: echo $$$$ > api.pid && exec ${fixtureCommand('say-every.mjs', 'api-says', 100)}`,
        '    ready: none',
        // Run only by a clean stop: a devsup that crashed would leave the service to its watchdog.
        '    stop_command: touch stopped-cleanly && kill "$(cat api.pid)"',
        '',
      ].join('\n'),
    });
    pty = new PtySession(['up'], dir, { controllingTerminal: false });
    await pty.waitForScreen('the service talking', (text) => text.includes('api-says'));
    const report = await session.portsJson(dir);
    const pids = [report.pid, ...report.services.map((service) => service.pid!)];
    pty.kill(); // devsup's next line fails with EIO
    await waitFor(() => pids.every((pid) => !isAlive(pid)), { what: 'devsup and its service gone', timeoutMs: 15_000 });
    expect(existsSync(path.join(dir, 'stopped-cleanly'))).toBe(true);
  });
});
