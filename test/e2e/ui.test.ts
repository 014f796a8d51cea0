import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, fixtureArgv } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { PtySession, type PtyOptions } from '../helpers/pty-session.js';
import { runCli } from '../helpers/run-cli.js';
import { isAlive, waitFor } from '../helpers/wait-for.js';

const session = new E2ESession();
const ptys: PtySession[] = [];
afterEach(async () => {
  ptys.forEach((pty) => pty.kill());
  await Promise.all(ptys.map((pty) => pty.exited));
  ptys.length = 0;
  await session.cleanup();
});

/** api and worker, each saying its name with a count five times a second. */
function twoServices(): string {
  return [
    'project: uitest',
    'services:',
    '  api:',
    `    command: ${fixtureArgv('say-every.mjs', 'api-says', 200)}`,
    '    ready: none',
    '  worker:',
    `    command: ${fixtureArgv('say-every.mjs', 'worker-says', 200)}`,
    '    ready: none',
    '',
  ].join('\n');
}

function openPty(args: string[], dir: string, options: PtyOptions = {}): PtySession {
  const pty = new PtySession(args, dir, options);
  ptys.push(pty);
  return pty;
}

describe('devsup ui', () => {
  it('shows the services, one service alone once selected, searches, restarts; q leaves the stack running', async () => {
    const { dir } = session.project({ 'services.yaml': twoServices() });
    session.up(dir);
    const before = await session.waitForPorts(dir, 'both running', (report) => report.services.every((service) => service.status === 'running'));
    const ui = openPty(['ui'], dir);
    await ui.waitForScreen(
      'the list and merged logs',
      (text) => /api +running/.test(text) && /worker +running/.test(text) && text.includes('worker | worker-says'),
    );
    expect(ui.screenText()).toContain('q closes the view; the services keep running');
    // CPU and memory of each tree arrive with the first report.
    await ui.waitForScreen('memory shown', (text) => /api +running .*\d+(\.\d)?M/.test(text));

    ui.press('j'); // worker: its lines alone
    await ui.waitForScreen('worker alone', (text) => /── worker/.test(text) && /^worker-says \d+$/m.test(text) && !text.includes('api-says '));

    await ui.waitForScreen('worker has said 5', (text) => /^worker-says 5$/m.test(text));
    ui.press('/worker-says 3\r');
    const found = await ui.waitForScreen('a match', (text) => /search "worker-says 3"/.test(text));
    const row = found.split('\n').findIndex((line) => /^worker-says 3\d*$/.test(line));
    expect(row, found).toBeGreaterThan(0);
    expect(ui.isHighlighted(row, 0)).toBe(true);
    expect(ui.isHighlighted(row, 'worker-says 3'.length + 2)).toBe(false);

    const workerPid = before.services.find((service) => service.service === 'worker')!.pid!;
    ui.press('\x1b'); // clears the search
    ui.press('r');
    await ui.waitForScreen('restarted', (text) => text.includes('worker: restarted'));
    const after = await session.waitForPorts(dir, 'worker running again', (report) => {
      const worker = report.services.find((service) => service.service === 'worker')!;
      return worker.status === 'running' && worker.pid !== workerPid;
    });
    expect(after.services.find((service) => service.service === 'api')!.pid).toBe(before.services[0]!.pid);

    ui.press('s'); // worker runs: s stops it, and again starts it
    await ui.waitForScreen('worker stopped', (text) => /worker +stopped/.test(text) && text.includes('worker: stopped'));
    ui.press('s');
    await ui.waitForScreen('worker started', (text) => /worker +running/.test(text));

    ui.press('q');
    expect(await ui.exited).toBe(0);
    expect(ui.output).toContain('keeps running');
    expect(ui.output.endsWith('\x1b[?1049l') || ui.output.includes('\x1b[?1049l')).toBe(true);
    const still = await runCli(['ports', '--json'], dir);
    expect(still.code).toBe(0);
    expect(isAlive(after.services[0]!.pid!)).toBe(true);
  });

  it('keeps 10,000 lines of a service written before it opened and finds one of them; r gives a new pid on the same port', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({
      'services.yaml': [
        'project: uitest',
        'services:',
        '  history:', // 12,000 lines, all before the view opens
        `    command: ${fixtureArgv('print-lines.mjs', 12_000, 40)}`,
        '    ready: none',
        '    restart: never',
        '  web:',
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${port}`,
        '',
      ].join('\n'),
    });
    session.up(dir);
    const before = await session.waitForPorts(dir, 'history done, web ready', (report) =>
      report.services.every((service) => service.status === (service.service === 'web' ? 'ready' : 'exited')),
    );
    const ui = openPty(['ui'], dir);
    await ui.waitForScreen('the list', (text) => /web +ready/.test(text));
    ui.press('jk'); // history alone
    await ui.waitForScreen('its newest line', (text) => /── history/.test(text) && /^line 11999 x+$/m.test(text));
    ui.press('\x1b[H'); // Home: the oldest line kept
    await ui.waitForScreen('10,000 lines back', (text) => /^line 2000 x+$/m.test(text) && !/^line 1999 /m.test(text));
    ui.press('\x1b[F/line 2345 \r'); // End, then a search
    const found = await ui.waitForScreen('the match', (text) => /search "line 2345 "/.test(text) && /^line 2345 x+$/m.test(text));
    const row = found.split('\n').findIndex((line) => line.startsWith('line 2345 '));
    expect(ui.isHighlighted(row, 0)).toBe(true);

    const web = before.services.find((service) => service.service === 'web')!;
    ui.press('\x1bjr'); // the search cleared, web selected, restarted
    await ui.waitForScreen('restarted', (text) => text.includes('web: restarted'));
    const after = await session.waitForPorts(dir, 'web ready again', (report) => {
      const again = report.services.find((service) => service.service === 'web')!;
      return again.status === 'ready' && again.pid !== web.pid;
    });
    expect(after.services.find((service) => service.service === 'web')!.port).toBe(port);
    ui.press('q');
    expect(await ui.exited).toBe(0);
  });

  it('says when the terminal is too small, and draws again once it is large enough', async () => {
    const { dir } = session.project({ 'services.yaml': twoServices() });
    session.up(dir);
    await session.waitForPorts(dir, 'both running', (report) => report.services.every((service) => service.status === 'running'));
    const ui = openPty(['ui'], dir);
    await ui.waitForScreen('the list', (text) => /worker +running/.test(text));
    ui.resize(60, 15);
    await ui.waitForScreen('too small', (text) => text.includes('at least 80×20') && text.includes('60×15') && !text.includes('RESTARTS'));
    ui.resize(100, 30);
    await ui.waitForScreen('drawn again', (text) => /worker +running/.test(text));
  });

  it('draws without colours under NO_COLOR, and with them otherwise', async () => {
    const { dir } = session.project({ 'services.yaml': twoServices() });
    session.up(dir);
    await session.waitForPorts(dir, 'both running', (report) => report.services.every((service) => service.status === 'running'));
    const plain = openPty(['ui'], dir, { env: { NO_COLOR: '1' } });
    await plain.waitForScreen('the list', (text) => /worker +running/.test(text) && text.includes('worker | worker-says'));
    const colored = openPty(['ui'], dir);
    await colored.waitForScreen('the list', (text) => /worker +running/.test(text) && text.includes('worker | worker-says'));
    // eslint-disable-next-line no-control-regex -- colour codes are what is looked for
    const colour = /\x1b\[[0-9;]*(3[0-7]|9[0-7])m/;
    expect(plain.output).not.toMatch(colour);
    expect(colored.output).toMatch(colour);
  });

  it('refuses a stdout that is not a terminal, exit 2', async () => {
    const { dir } = session.project({ 'services.yaml': twoServices() });
    const result = await runCli(['ui'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('`devsup ui` draws a full-screen view on a terminal, but its output is not a terminal');
    const up = await runCli(['up', '--ui'], dir);
    expect(up.code).toBe(2);
    expect(up.stderr).toContain('`devsup up --ui` draws a full-screen view');
    // Nothing was started or made.
    expect(existsSync(path.join(dir, '.devsup'))).toBe(false);
    const both = await runCli(['up', '--ui', '-d'], dir);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('use one or the other');
    const named = await runCli(['ui', 'api'], dir);
    expect(named.code).toBe(2);
    expect(named.stderr).toContain('devsup ui takes no service names (api)');
  });

  it('closes once the instance stops, saying so', async () => {
    const { dir } = session.project({ 'services.yaml': twoServices() });
    session.up(dir);
    await session.waitForPorts(dir, 'both running', (report) => report.services.every((service) => service.status === 'running'));
    const ui = openPty(['ui'], dir);
    await ui.waitForScreen('the list', (text) => /worker +running/.test(text));
    expect((await runCli(['down'], dir)).code).toBe(0);
    expect(await ui.exited).toBe(0);
    expect(ui.output).toMatch(/devsup in .* has stopped/);
  });

  it('says how to start an instance when none runs', async () => {
    const { dir } = session.project({ 'services.yaml': twoServices() });
    const ui = openPty(['ui'], dir);
    expect(await ui.exited).toBe(1);
    expect(ui.output).toContain('nothing to show');
    expect(ui.output).toContain('devsup up --ui');
  });
});

describe('devsup up --ui', () => {
  /** Two services started with their view, both running; the pids of the instance and of each service. */
  async function upWithView(options: PtyOptions = {}) {
    const { dir } = session.project({ 'services.yaml': twoServices() });
    session.expectBackground(dir);
    const ui = openPty(['up', '--ui'], dir, options);
    await ui.waitForScreen('both running', (text) => /api +running/.test(text) && /worker +running/.test(text));
    const report = await session.portsJson(dir);
    return { ui, dir, pids: [report.pid, ...report.services.map((service) => service.pid!)] };
  }

  it('starts the stack with the view; q stops every service and leaves no process', async () => {
    const { ui, dir, pids } = await upWithView();
    expect(ui.screenText()).toContain('q stops every service');
    ui.press('q');
    expect(await ui.exited).toBe(0);
    await waitFor(() => pids.every((pid) => !isAlive(pid)), { what: 'the instance and its services gone', timeoutMs: 10_000 });
    expect((await runCli(['ports'], dir)).code).toBe(1);
  });

  it('gives the services colours as up on a terminal does (FORCE_COLOR), and shows them; not under NO_COLOR', async () => {
    const says = JSON.stringify([
      process.execPath,
      '-e',
      `console.log(process.env.FORCE_COLOR ? '\\x1b[31mcoloured\\x1b[39m' : 'plain'); setInterval(() => {}, 1000)`,
    ]);
    const manifest = ['services:', '  api:', `    command: ${says}`, '    ready: none', ''].join('\n');
    for (const [env, expected] of [
      [{}, '\x1b[31mcoloured'],
      [{ NO_COLOR: '1' }, 'plain'],
    ] as const) {
      const { dir } = session.project({ 'services.yaml': manifest });
      session.expectBackground(dir);
      const ui = openPty(['up', '--ui'], dir, { env });
      await ui.waitForScreen('its line', (text) => /^api +\| (coloured|plain)$/m.test(text));
      expect(ui.output).toContain(expected);
      ui.press('q');
      expect(await ui.exited).toBe(0);
    }
  });

  it('reads --scale as up does: a replica it names is started', async () => {
    const { dir } = session.project({ 'services.yaml': twoServices() });
    session.expectBackground(dir);
    const ui = openPty(['up', '--ui', '--scale', 'api=2', 'api.2'], dir);
    await ui.waitForScreen('api.2 running', (text) => /api\.2 +running/.test(text));
    ui.press('q');
    expect(await ui.exited).toBe(0);
  });

  it('q twice at once leaves the view at once, and the services still stop', async () => {
    const { ui, pids } = await upWithView();
    ui.press('qq'); // one read: the second q comes before the first one's request has been sent
    expect(await ui.exited).toBe(0);
    await waitFor(() => pids.every((pid) => !isAlive(pid)), { what: 'the instance and its services gone', timeoutMs: 10_000 });
  });

  it('the terminal closing stops the stack as q does', async () => {
    const { ui, pids } = await upWithView();
    ui.kill(); // the pty host dies: its terminal hangs up
    await waitFor(() => pids.every((pid) => !isAlive(pid)), { what: 'the instance and its services gone', timeoutMs: 15_000 });
  });

  it('a terminal gone without a hang-up signal (its writes fail) stops the stack too', async () => {
    const { ui, pids } = await upWithView({ controllingTerminal: false });
    ui.kill(); // the next frame the view draws fails with EIO
    await waitFor(() => pids.every((pid) => !isAlive(pid)), { what: 'the instance and its services gone', timeoutMs: 15_000 });
  });
});
