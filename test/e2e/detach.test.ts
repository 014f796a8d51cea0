import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin, fixtureArgv, processesIn } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { TABLE_HEADER } from '../helpers/parse-port-table.js';
import { CLI, runCli, type CliRun } from '../helpers/run-cli.js';
import { isAlive, waitFor } from '../helpers/wait-for.js';
import { readProcStat } from '../../src/ports/proc-stat.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

// util-linux `script` gives devsup a real terminal (a pty).
const hasScript = process.platform === 'linux' && spawnSync('script', ['--version']).status === 0;

const web = (port: number) => ['  web:', `    command: ${fixtureArgv('http-server.mjs')}`, `    port: ${port}`];
const manifest = (...services: string[][]) => ['services:', ...services.flat(), ''].join('\n');

async function httpGet(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/`)).text();
}

/** `devsup up -d ARGS…` to its end: its exit code and output. */
async function upDetached(dir: string, args: string[] = []): Promise<{ code: number | null; run: CliRun }> {
  const run = session.upDetached(dir, args);
  return { code: (await exitWithin(run, 30_000, 'devsup up -d returns')).code, run };
}

describe('devsup up -d', () => {
  it('returns 0 with the table once ready, and the stack outlives the shell that launched it', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({ 'services.yaml': manifest(web(port)) });
    session.expectBackground(dir);
    // As a terminal's hang-up would: once `up -d` has returned, SIGHUP to the shell's whole process group.
    const script = '"$0" "$1" up -d; code=$?; trap "" HUP; kill -s HUP 0; exit $code';
    const shell = spawn('/bin/sh', ['-c', script, process.execPath, CLI], { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    shell.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    shell.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const code = await new Promise((resolve) => shell.once('close', resolve));
    expect(code, out).toBe(0);
    expect(out).toMatch(new RegExp(`^web \\| ready on port ${port}$`, 'm'));
    expect(out).toMatch(TABLE_HEADER);
    expect(out).toMatch(/devsup: running in the background \(pid \d+\): `devsup attach` follows it, `devsup down` stops it\./);

    const report = await session.waitForPorts(dir, 'web ready', (candidate) => candidate.services[0]?.status === 'ready');
    expect(report.detached).toBe(true);
    const instance = readProcStat(report.pid)!;
    expect(instance.session).toBe(report.pid); // a session of its own: no terminal, no shell's SIGHUP
    expect(readlinkSync(`/proc/${report.pid}/fd/0`)).toBe('/dev/null');
    expect(await httpGet(port)).toBe(`${report.services[0]!.pid}\n`);

    const state = JSON.parse(readFileSync(path.join(dir, '.devsup', 'state.json'), 'utf8'));
    expect(state).toMatchObject({ pid: report.pid, detached: true });
    const log = path.join(dir, '.devsup', 'logs', 'devsup.log');
    expect(statSync(log).mode & 0o777).toBe(0o600);
    expect(readFileSync(log, 'utf8')).toMatch(new RegExp(`^web \\| ready on port ${port}$`, 'm'));
    expect(readFileSync(log, 'utf8')).not.toContain('listening on'); // the service's own lines are in web.log
  });

  it.skipIf(!hasScript)('on a terminal, shows the start-up as a task list, then the table', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({ 'services.yaml': manifest(web(port)) });
    session.expectBackground(dir);
    const command = `stty cols 120; ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} up -d`;
    const terminal = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd: dir,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let out = '';
    terminal.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const code = await new Promise((resolve) => terminal.once('close', resolve));
    expect(code, out).toBe(0);
    expect(out).toContain(`✔ web: ready on port ${port}`);
    expect(out).not.toContain('web | ready'); // the lines are for a log, not a terminal
    expect(out).toMatch(TABLE_HEADER);
  });

  it('is reached by ports, logs, restart and down', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({ 'services.yaml': manifest(web(port)) });
    expect((await upDetached(dir)).code).toBe(0);
    const before = await session.portsJson(dir);

    const logs = await runCli(['logs', 'web'], dir);
    expect(logs.stdout).toMatch(new RegExp(`^web \\| listening on ${port} pid ${before.services[0]!.pid}$`, 'm'));
    const restart = await runCli(['restart', 'web'], dir);
    expect([restart.code, restart.stdout.trim()]).toEqual([0, `web: restarted on port ${port}`]);
    const after = await session.waitForPorts(dir, 'web ready again', (report) => report.services[0]?.status === 'ready');
    expect(after.services[0]!.pid).not.toBe(before.services[0]!.pid);
    expect(after.pid).toBe(before.pid);

    const down = await runCli(['down'], dir);
    expect([down.code, down.stdout.trim()]).toEqual([0, `devsup (pid ${before.pid}) in ${dir} has stopped.`]);
    expect(isAlive(after.services[0]!.pid!)).toBe(false);
    expect(processesIn([dir])).toEqual([]);
  });

  it('leaves no service running 2 s after the background devsup is killed with SIGKILL', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({ 'services.yaml': manifest(web(port)) });
    expect((await upDetached(dir)).code).toBe(0);
    const report = await session.portsJson(dir);
    const service = report.services[0]!.pid!;
    process.kill(report.pid, 'SIGKILL');
    await waitFor(() => !isAlive(report.pid) && !isAlive(service), { what: 'devsup and web gone', timeoutMs: 2_000 });
  });

  it('exits 1 naming a service that crashes on start, with its last lines; the rest keeps running', async () => {
    const port = await findFreePorts(2);
    const bad = ['  bad:', `    command: ${fixtureArgv('crash-after.mjs', 0, 3)}`, `    port: ${port + 1}`, '    restart: never'];
    const { dir } = session.project({ 'services.yaml': manifest(web(port), bad) });
    const { code, run } = await upDetached(dir);
    expect(code, run.stderr()).toBe(1);
    expect(run.stdout()).toMatch(TABLE_HEADER);
    expect(run.stderr()).toContain('devsup: bad will not be ready: crashed (exited with code 3).\nLast lines of bad:\n');
    expect(run.stderr()).toContain('  failing with code 3\n');
    expect(run.stderr()).toContain('`devsup logs bad` shows more.');
    expect(run.stderr()).toMatch(/the stack keeps running in the background \(pid \d+\): `devsup down` stops it\./);
    const report = await session.portsJson(dir);
    expect(report.services.map((service) => service.status)).toEqual(['ready', 'crashed']);
  });

  it('exits 1 once a critical service crashed, after the instance has stopped everything', async () => {
    const port = await findFreePorts(2);
    const bad = [
      '  bad:',
      `    command: ${fixtureArgv('crash-after.mjs', 0, 3)}`,
      `    port: ${port + 1}`,
      '    restart: never',
      '    critical: true',
      '    depends_on: [web]',
    ];
    const { dir } = session.project({ 'services.yaml': manifest(web(port), bad) });
    const { code, run } = await upDetached(dir);
    expect(code, run.stderr()).toBe(1);
    expect(run.stderr()).toContain('failing with code 3');
    expect(run.stderr()).toMatch(/bad is critical/);
    expect(run.stderr()).not.toContain('keeps running');
    expect(processesIn([dir])).toEqual([]);
  });

  it('exits 2 for a manifest error, leaving nothing behind: no background process, no .devsup/', async () => {
    const { dir } = session.project({ 'services.yaml': 'services:\n  web:\n    command: node web.js\n    portt: 3000\n' });
    const { code, run } = await upDetached(dir);
    expect(code).toBe(2);
    expect(run.stderr()).toContain('services.yaml:4:5: unknown key "portt"');
    expect(existsSync(path.join(dir, '.devsup'))).toBe(false);
    expect(processesIn([dir])).toEqual([]);
  });

  it('exits 1 when --wait-timeout passes, and the stack keeps running', async () => {
    const port = await findFreePorts(1);
    // Listens on nothing: a tcp readiness check that never passes.
    const slow = ['  slow:', `    command: ${fixtureArgv('print-env.mjs', 'PORT')}`, `    port: ${port}`];
    const { dir } = session.project({ 'services.yaml': manifest(slow) });
    const { code, run } = await upDetached(dir, ['--wait-timeout', '1s']);
    expect(code, run.stderr()).toBe(1);
    expect(run.stderr()).toMatch(new RegExp(`devsup: timed out waiting for slow \\(starting on port ${port}[^)]*\\)\\.`));
    expect(run.stderr()).toMatch(/the stack keeps running in the background \(pid \d+\)/);
    const report = await session.portsJson(dir);
    expect(report.services[0]!.status).toBe('starting');
    expect(isAlive(report.pid)).toBe(true);
  });

  it('is named by a foreground up, which suggests devsup attach; a second up -d is refused too', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({ 'services.yaml': manifest(web(port)) });
    expect((await upDetached(dir)).code).toBe(0);
    const { pid } = await session.portsJson(dir);

    const foreground = session.up(dir);
    expect((await exitWithin(foreground, 20_000)).code).toBe(1);
    expect(foreground.stderr()).toContain(
      `devsup is already running for ${path.join(dir, 'services.yaml')} in the background (pid ${pid}, started with \`devsup up -d\`).`,
    );
    expect(foreground.stderr()).toContain('`devsup attach` follows it');

    const again = await upDetached(dir);
    expect(again.code).toBe(1);
    expect(again.run.stderr()).toContain(`in the background (pid ${pid}`);
    expect((await session.portsJson(dir)).pid).toBe(pid);
  });
});
