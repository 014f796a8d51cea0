import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin, fixtureArgv } from '../helpers/e2e-session.js';
import { httpGet, printedLine, startPrintingInstance } from '../helpers/printing-instance.js';
import { findFreePorts } from '../helpers/free-port.js';
import { runCli, startCli } from '../helpers/run-cli.js';
import { waitFor } from '../helpers/wait-for.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

describe('devsup logs', () => {
  it('prints the last N lines of a service, 100 by default, prefixed as up prints them', async () => {
    const { dir, port } = await startPrintingInstance(session, 300);
    const five = await runCli(['logs', 'lines', '-n', '5'], dir);
    expect(five.code, five.stderr).toBe(0);
    expect(five.stdout).toBe([295, 296, 297, 298, 299].map((n) => `lines | ${printedLine(n)}\n`).join(''));
    const byDefault = (await runCli(['logs', 'lines'], dir)).stdout.trimEnd().split('\n');
    expect(byDefault).toHaveLength(100);
    expect(byDefault[0]).toBe(`lines | ${printedLine(200)}`);
    // All services, aligned to the widest key, in the order they printed.
    const all = (await runCli(['logs', '-n', '1'], dir)).stdout;
    expect(all).toBe(`lines | ${printedLine(299)}\nweb   | listening on ${port}\n`);
    const typo = await runCli(['logs', 'wbe'], dir);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('unknown service "wbe"');
    const bad = await runCli(['logs', '-n', 'ten'], dir);
    expect(bad.code).toBe(2);
  });

  it('-f receives the lines written after it attached, and ends when the instance stops', async () => {
    const { dir, port, up } = await startPrintingInstance(session, 300);
    const follow = startCli(['logs', 'web', '-f', '-n', '1'], dir);
    await follow.waitForOutput(/web \| listening on \d+\n/);
    await httpGet(port, '/first');
    await follow.waitForOutput(/web \| request 1 \/first\n/);
    await httpGet(port, '/second');
    await follow.waitForOutput(/web \| request 2 \/second\n/);
    expect(follow.stdout()).toBe(`web | listening on ${port}\nweb | request 1 /first\nweb | request 2 /second\n`);
    session.interrupt(up);
    expect((await exitWithin(follow, 15_000, 'logs -f ends with the instance')).code).toBe(0);
  });

  it('reaches past the ring into the log files for -n larger than it holds: all 60,000 lines, in order, once each', async () => {
    const count = 60_000;
    const port = await findFreePorts(1);
    const { dir } = session.project({
      'services.yaml': [
        'services:',
        '  web:',
        `    command: ${fixtureArgv('print-lines.mjs', count, 40)}`,
        '    restart: never',
        '  idle:', // keeps the instance running once web is done
        `    command: ${fixtureArgv('http-server.mjs')}`,
        `    port: ${port}`,
        '',
      ].join('\n'),
    });
    session.up(dir);
    // Asked as soon as the last line is in the ring: the log files may not have it yet.
    await waitFor(async () => (await runCli(['logs', 'web', '-n', '1'], dir)).stdout === `web | ${printedLine(count - 1)}\n`, {
      what: 'the last line in the ring',
      timeoutMs: 30_000,
    });
    const all = await runCli(['logs', 'web', '-n', String(count)], dir);
    expect((await session.portsJson(dir)).services[1]!.status).toBe('ready'); // answered by the instance, not from the files after it
    expect(all.code, all.stderr).toBe(0);
    expect(all.stderr).toBe('');
    const lines = all.stdout.split('\n').slice(0, -1);
    expect(lines.length).toBe(count);
    const wrong = lines.findIndex((line, n) => line !== `web | ${printedLine(n)}`);
    expect(wrong, `line ${wrong}: ${lines[wrong]}`).toBe(-1);
    // More than were ever printed: all of them, and a word on stderr saying so.
    const more = await runCli(['logs', 'web', '-n', '70000'], dir);
    expect(more.stdout).toBe(all.stdout);
    expect(more.stderr).toBe('devsup: web has 60,000 lines kept; showing all of them.\n');
    // The default count asks for nothing in particular: no word about having fewer.
    expect(await runCli(['logs', 'idle'], dir)).toEqual({
      code: 0,
      stdout: `idle | listening on ${port} pid ${(await session.portsJson(dir)).services[1]!.pid}\n`,
      stderr: '',
    });
  });

  it('joins the files and the ring without a gap or a repeat while a service prints on: the files are flushed first', async () => {
    const { dir } = session.project({
      'services.yaml': ['services:', '  steady:', `    command: ${fixtureArgv('print-steadily.mjs', 40, 200)}`, ''].join('\n'),
    });
    session.up(dir);
    // 20,000 lines printed: three times what the ring holds, and some of the newest not yet in the files.
    await waitFor(async () => Number(/line (\d+) /.exec((await runCli(['logs', 'steady', '-n', '1'], dir)).stdout)?.[1]) >= 20_000, {
      what: '20,000 lines printed',
      timeoutMs: 30_000,
    });
    const result = await runCli(['logs', 'steady', '-n', '15000'], dir);
    expect(result.code, result.stderr).toBe(0);
    const numbers = result.stdout
      .split('\n')
      .slice(0, -1)
      .map((line) => Number(/^steady \| line (\d+) x+$/.exec(line)?.[1]));
    expect(numbers.length).toBe(15_000);
    const first = numbers[0]!;
    const wrong = numbers.findIndex((number, index) => number !== first + index);
    expect(wrong, `line ${wrong}: ${numbers[wrong]} after ${numbers[wrong - 1]}`).toBe(-1);
  });

  it('works from the log files once the instance has stopped', async () => {
    const { dir, port, up } = await startPrintingInstance(session, 300);
    await httpGet(port, '/last');
    await waitFor(async () => (await runCli(['logs', 'web', '-n', '1'], dir)).stdout === 'web | request 1 /last\n', {
      what: 'the request line in the ring',
    });
    expect((await runCli(['down'], dir)).code).toBe(0);
    await exitWithin(up, 10_000);
    const after = await runCli(['logs', 'web', '-n', '2'], dir);
    expect(after).toEqual({ code: 0, stdout: `web | listening on ${port}\nweb | request 1 /last\n`, stderr: '' });
    expect(await runCli(['logs', 'web', '-n', '5'], dir)).toEqual({
      code: 0,
      stdout: after.stdout,
      stderr: 'devsup: web has 2 lines kept; showing all of them.\n',
    });
    const both = await runCli(['logs', '-n', '1'], dir);
    expect(both.stdout).toBe(`lines | ${printedLine(299)}\nweb   | request 1 /last\n`);
    const follow = await runCli(['logs', '-f', 'web', '-n', '1'], dir);
    expect(follow.code).toBe(0);
    expect(follow.stderr).toContain(`not running in ${dir}, so nothing more will come`);
    const typo = await runCli(['logs', 'wbe'], dir);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('no logs of a service "wbe"');
  });
});
