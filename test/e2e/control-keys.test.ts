import { spawn, spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin, fixtureArgv } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { CLI, runCli } from '../helpers/run-cli.js';
import { TABLE_HEADER } from '../helpers/parse-port-table.js';
import { waitFor } from '../helpers/wait-for.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

// util-linux `script` gives devsup a real terminal (a pty) whose keyboard is this test's pipe.
const hasScript = process.platform === 'linux' && spawnSync('script', ['--version']).status === 0;
const HINT = 'keys: r restart a service · t port table · q stop everything (as Ctrl-C)';

const manifest = (port: number) =>
  [
    'services:',
    '  web:',
    `    command: ${fixtureArgv('http-server.mjs')}`,
    `    port: ${port}`,
    '  worker:',
    `    command: ${fixtureArgv('crash-after.mjs', 600_000, 0)}`,
    '    ready: none',
    '',
  ].join('\n');

describe('interactive keys', () => {
  it.skipIf(!hasScript)('on a terminal: a hint, t prints the table, r + number restarts that service, q stops cleanly', async () => {
    const { dir } = session.project({ 'services.yaml': manifest(await findFreePorts(1)) });
    const child = spawn('script', ['-qfec', `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} up`, '/dev/null'], {
      cwd: dir,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', TERM: 'dumb' },
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    const tables = () => out.split(/\r?\n/).filter((line) => TABLE_HEADER.test(line)).length;
    const saw = (what: string, test: () => boolean) => waitFor(test, { what, timeoutMs: 20_000, describe: () => out.slice(-1500) });

    await saw('the keys hint', () => out.includes(HINT));
    expect(tables()).toBe(1);
    child.stdin.write('t');
    await saw('a second table', () => tables() === 2);

    const before = await session.portsJson(dir);
    const webPid = before.services[0]!.pid;
    child.stdin.write('r');
    await saw('the restart prompt', () => out.includes('restart which service? 1 web, 2 worker'));
    child.stdin.write('1\r');
    await session.waitForPorts(dir, 'web restarted', (r) => r.services[0]!.status === 'ready' && r.services[0]!.pid !== webPid);
    expect((await session.portsJson(dir)).services[1]!.pid).toBe(before.services[1]!.pid);

    child.stdin.write('q');
    await saw('the clean stop', () => out.includes('stopping every service'));
    let code: number | null | undefined;
    void exited.then((exitCode) => (code = exitCode));
    await saw('devsup exits', () => code !== undefined);
    expect(code).toBe(0);
  });

  it.skipIf(!hasScript)('off in a background job on a terminal (`devsup up &`), which runs on instead of being stopped by the terminal', async () => {
    const { dir } = session.project({ 'services.yaml': manifest(await findFreePorts(1)) });
    // bash -m: job control, so the background job has its own process group, as in an interactive shell.
    const job = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} up & wait`;
    const child = spawn('script', ['-qfec', `bash -m -c '${job}'`, '/dev/null'], {
      cwd: dir,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', TERM: 'dumb' },
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    await session.waitForPorts(dir, 'web ready in the background job', (r) => r.services[0]?.status === 'ready');
    await waitFor(() => TABLE_HEADER.test(out), { what: 'the table', timeoutMs: 20_000, describe: () => out.slice(-1500) });
    expect(out).not.toContain('keys:');
    const down = await runCli(['down'], dir);
    expect(down.code, down.stderr).toBe(0);
    let code: number | null | undefined;
    void exited.then((exitCode) => (code = exitCode));
    await waitFor(() => code !== undefined, { what: 'the job and its shell end', timeoutMs: 15_000 });
    expect(code).toBe(0);
  });

  it('off when stdin is not a terminal: no hint', async () => {
    const { dir } = session.project({ 'services.yaml': manifest(await findFreePorts(1)) });
    const up = session.up(dir);
    await session.waitForPorts(dir, 'web ready', (r) => r.services[0]?.status === 'ready');
    await up.waitForOutput(TABLE_HEADER);
    expect(up.stdout() + up.stderr()).not.toContain('keys:');
    session.interrupt(up);
    expect((await exitWithin(up, 15_000)).code).toBe(0);
  });
});

describe('the startup view on a terminal', () => {
  /** `devsup up` on a pty of `columns` columns until its table is out; returns everything it printed. */
  async function upOnTerminal(columns: number): Promise<string> {
    const { dir } = session.project({ 'services.yaml': manifest(await findFreePorts(1)) });
    const up = `stty cols ${columns} rows 40; ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} up`;
    const child = spawn('script', ['-qfec', up, '/dev/null'], {
      cwd: dir,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', TERM: 'xterm-256color' },
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    await session.waitForPorts(dir, 'web ready', (r) => r.services[0]?.status === 'ready');
    await waitFor(() => TABLE_HEADER.test(out.replace(/\r/g, '')), { what: 'the table', timeoutMs: 20_000, describe: () => out.slice(-1500) });
    expect((await runCli(['down'], dir)).code).toBe(0);
    expect(await exited).toBe(0);
    return out.replace(/\r/g, '');
  }

  it.skipIf(!hasScript)('draws the task list on a terminal of known width', async () => {
    const out = await upOnTerminal(100);
    expect(out).toMatch(/✔ web: ready on port \d+/);
  });

  it.skipIf(!hasScript)('prints plain lines on a terminal that reports no width, instead of one character per line', async () => {
    const out = await upOnTerminal(0);
    expect(out).toMatch(/^web +\| ready on port \d+$/m);
    expect(out.split('\n').filter((line) => /^\s*\S\s*$/.test(line)).length).toBeLessThan(3);
  });
});
