import { rmSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin, fixtureArgv } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { runCli, startCli } from '../helpers/run-cli.js';
import { waitFor } from '../helpers/wait-for.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

/** A request to print-on-request.mjs: the service prints `request N PATH` when it gets it. */
function get(port: number, urlPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: urlPath, agent: false }, (response) => response.resume().on('end', resolve)).once('error', reject);
  });
}

/** Resolves once the clock has passed `time`, so what happens next cannot share its millisecond. */
async function clockPast(time: number): Promise<number> {
  await waitFor(() => Date.now() > time, { what: 'the next millisecond', intervalMs: 1 });
  return Date.now();
}

/** `logs ARGS…` in `dir`, which must exit 0; its stdout. */
async function logs(dir: string, ...args: string[]): Promise<string> {
  const result = await runCli(['logs', ...args], dir);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

/** Each line's time stamp (ISO with offset) read back as ms, and its text after the stamp. */
function stamped(stdout: string): { time: number; rest: string }[] {
  return stdout
    .split('\n')
    .slice(0, -1)
    .map((line) => {
      const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d) (.*)$/.exec(line);
      if (!match) throw new Error(`not a stamped line: ${JSON.stringify(line)}`);
      return { time: Date.parse(match[1]!), rest: match[2]! };
    });
}

/**
 * web prints a line per request, so the test knows when each line arrives: `request 1 /first-Error`
 * between `first.before` and `first.after`, `request 2 /second-error` between `second.before` and
 * `second.after`, with a millisecond at least between the two (`second.before`).
 */
async function startWithTwoTimedLines(upArgs: string[] = []) {
  const port = await findFreePorts(1);
  const { dir } = session.project({
    'services.yaml': ['services:', '  web:', `    command: ${fixtureArgv('print-on-request.mjs')}`, `    port: ${port}`, ''].join('\n'),
  });
  const up = session.up(dir, upArgs);
  await session.waitForPorts(dir, 'web ready', (report) => report.services[0]?.status === 'ready');
  const printed = async (urlPath: string, n: number) => {
    const before = await clockPast(Date.now());
    await get(port, urlPath);
    await waitFor(async () => (await logs(dir, 'web', '-n', '1')) === `web | request ${n} ${urlPath}\n`, { what: `request ${n} in the logs` });
    return { before, after: Date.now() };
  };
  const first = await printed('/first-Error', 1);
  await clockPast(first.after);
  const second = await printed('/second-error', 2);
  return { dir, port, up, first, second };
}

describe('devsup logs --since, --grep, --timestamps', () => {
  it('from the running instance: since a time or a duration, times of arrival, matching lines, with -n and -f', async () => {
    const { dir, port, first, second } = await startWithTwoTimedLines();

    // --since: an ISO time (UTC or local with its offset) between the two lines leaves out the first.
    for (const since of [new Date(second.before).toISOString(), localIso(second.before)])
      expect(await logs(dir, 'web', '--since', since)).toBe('web | request 2 /second-error\n');
    expect(await logs(dir, 'web', '--since', '1h')).toBe(`web | listening on ${port}\nweb | request 1 /first-Error\nweb | request 2 /second-error\n`);
    expect(await logs(dir, 'web', '--since', '1h', '-n', '1')).toBe('web | request 2 /second-error\n');

    // --timestamps: each line's arrival, within what the test saw around it.
    const lines = stamped(await logs(dir, 'web', '-t', '-n', '2'));
    expect(lines.map((line) => line.rest)).toEqual(['web | request 1 /first-Error', 'web | request 2 /second-error']);
    expect(lines[0]!.time).toBeGreaterThanOrEqual(first.before);
    expect(lines[0]!.time).toBeLessThanOrEqual(first.after);
    expect(lines[1]!.time).toBeGreaterThanOrEqual(second.before);
    expect(lines[1]!.time).toBeLessThanOrEqual(second.after);

    // --grep: case-sensitive unless -i; -n counts matching lines.
    expect(await logs(dir, 'web', '--grep', 'error')).toBe('web | request 2 /second-error\n');
    expect(await logs(dir, 'web', '--grep', 'ERROR', '-i')).toBe('web | request 1 /first-Error\nweb | request 2 /second-error\n');
    expect(await logs(dir, '--grep', 'ERROR', '--ignore-case', '-n', '1')).toBe('web | request 2 /second-error\n');
    expect(await logs(dir, 'web', '--grep', 'error', '-i', '--since', new Date(second.before).toISOString())).toBe('web | request 2 /second-error\n');

    // -f: only new lines that match, with their times (whether they come before it attached or after, once each).
    const follow = startCli(['logs', 'web', '-f', '-t', '--grep', 'third', '--since', new Date(second.before).toISOString()], dir);
    const third = { before: Date.now(), after: 0 };
    await get(port, '/third');
    await get(port, '/not-shown');
    await get(port, '/third-again');
    await follow.waitForOutput(/web \| request 5 \/third-again\n/);
    third.after = Date.now();
    const followed = stamped(follow.stdout());
    expect(followed.map((line) => line.rest)).toEqual(['web | request 3 /third', 'web | request 5 /third-again']);
    for (const line of followed) {
      expect(line.time).toBeGreaterThanOrEqual(third.before);
      expect(line.time).toBeLessThanOrEqual(third.after);
    }
    follow.child.kill('SIGTERM');
    await exitWithin(follow, 10_000);
  });

  it('a --grep that backtracks exponentially answers at once, with the right lines', async () => {
    const printer = "console.log('a'.repeat(40) + '!'); console.log('aaa'); setInterval(() => {}, 1e9)";
    const { dir } = session.project({ 'services.yaml': `services:\n  web:\n    command: ${JSON.stringify([process.execPath, '-e', printer])}\n` });
    session.up(dir);
    await session.waitForPorts(dir, 'web running', (report) => report.services[0]?.status === 'running');
    await waitFor(async () => (await logs(dir, 'web')).includes('web | aaa\n'), { what: 'both lines in the logs' });
    // (a+)+$ tries 2^40 ways to split the a's before it gives up on the line ending in "!".
    const started = Date.now();
    expect(await logs(dir, 'web', '--grep', '(a+)+$')).toBe('web | aaa\n');
    expect(await logs(dir, 'web', '--grep', '^(a|a)*!$')).toBe(`web | ${'a'.repeat(40)}!\n`);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('says what is wrong with a --grep or --since it cannot use: exit 2, nothing read', async () => {
    const { dir } = session.project({ 'services.yaml': 'services:\n  web:\n    command: node -v\n' });
    const badPattern = await runCli(['logs', '--grep', 'a(b'], dir);
    expect(badPattern).toMatchObject({ code: 2, stdout: '' });
    expect(badPattern.stderr).toMatch(/^--grep a\(b is not a valid regular expression: Unterminated group\.\n/);
    expect(badPattern.stderr).not.toMatch(/\n\s+at /);
    const badSince = await runCli(['logs', '--since', 'yesterday'], dir);
    expect(badSince).toMatchObject({ code: 2, stdout: '' });
    expect(badSince.stderr).toMatch(/^--since yesterday is neither a duration back from now \(90s, 10m, 1h30m, 2d\) nor a time \(14:05/);
    const noDate = await runCli(['logs', '--since', '2025-02-30'], dir);
    expect(noDate).toMatchObject({ code: 2, stderr: expect.stringMatching(/^--since 2025-02-30: there is no such date\.\n/) });
    expect((await runCli(['logs', '-i'], dir)).code).toBe(2);
  });

  it('from the log files once stopped: the same times, since and grep; old files without an index said so', async () => {
    const { dir, port, up, first, second } = await startWithTwoTimedLines(['--timestamps']);
    const live = await logs(dir, 'web', '-t');
    // `up --timestamps` stamped the lines as they came, with the times devsup keeps.
    await up.waitForOutput(/request 2 \/second-error\n/);
    const requests = (text: string) => text.split('\n').filter((line) => / web \| request \d/.test(line));
    expect(requests(up.stdout())).toEqual(requests(live));
    expect(requests(live)).toHaveLength(2);
    expect((await runCli(['down'], dir)).code).toBe(0);
    await exitWithin(up, 15_000);

    expect(await logs(dir, 'web', '-t')).toBe(live);
    expect(await logs(dir, '--since', new Date(second.before).toISOString())).toBe('web | request 2 /second-error\n');
    expect(await logs(dir, 'web', '--since', new Date(first.before).toISOString(), '-n', '1')).toBe('web | request 2 /second-error\n');
    expect(await logs(dir, 'web', '--grep', 'first|second', '-n', '1')).toBe('web | request 2 /second-error\n');
    expect(await logs(dir, 'web', '--grep', 'error', '-i', '-t')).toBe(
      live
        .split('\n')
        .filter((line) => /error/i.test(line))
        .join('\n') + '\n',
    );
    const followed = await runCli(['logs', 'web', '-f', '--since', '1h', '--grep', 'first'], dir);
    expect(followed.stdout).toBe('web | request 1 /first-Error\n');
    expect(followed.stderr).toContain('so nothing more will come');

    // A log file written before devsup kept an index: no line has a known time.
    rmSync(path.join(dir, '.devsup', 'logs', 'web.log.idx'));
    const untimed = await runCli(['logs', 'web', '--since', '1h'], dir);
    expect(untimed).toEqual({
      code: 0,
      stdout: '',
      stderr:
        'devsup: web: 3 lines in its log files were written before devsup recorded arrival times; --since leaves them out, as their time is unknown.\n',
    });
    const noTimes = await runCli(['logs', 'web', '-t', '-n', '1'], dir);
    expect(noTimes.stdout).toBe(`${'-'.padEnd(29)} web | request 2 /second-error\n`);
    expect(noTimes.stderr).toBe('devsup: web: 1 line was written before devsup recorded arrival times; "-" stands for the time.\n');
    expect(await logs(dir, 'web', '--grep', 'listening')).toBe(`web | listening on ${port}\n`);
  });
});

/** `ms` as the local ISO form devsup prints (`2025-03-01T14:05:09.042+01:00`). */
function localIso(ms: number): string {
  const date = new Date(ms);
  const offset = -date.getTimezoneOffset();
  const two = (value: number) => String(Math.floor(value)).padStart(2, '0');
  const local = new Date(ms + offset * 60_000).toISOString().slice(0, 23);
  return `${local}${offset < 0 ? '-' : '+'}${two(Math.abs(offset) / 60)}:${two(Math.abs(offset) % 60)}`;
}
