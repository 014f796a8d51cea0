import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin, fixtureArgv, processesIn } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { runCli, startCli } from '../helpers/run-cli.js';
import { isAlive, waitFor } from '../helpers/wait-for.js';

const session = new E2ESession();
afterEach(() => session.cleanup());

const web = (port: number) => ['  web:', `    command: ${fixtureArgv('http-server.mjs')}`, `    port: ${port}`];
const manifest = (...services: string[][]) => ['services:', ...services.flat(), ''].join('\n');
/** A node one-liner for `devsup run`: prints what the command sees. */
const printEnv = "console.log([process.env.DEVSUP_WEB_PORT, process.env.DEVSUP_WEB_URL, process.env.GREETING].join(' '))";

describe('devsup run', () => {
  it("--up starts the stack in the background, returns the command's exit code, and leaves nothing running", async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({ 'services.yaml': manifest(web(port)) });
    session.expectBackground(dir);
    const script = `fetch(process.env.DEVSUP_WEB_URL).then((r) => r.text()).then((pid) => { console.log('web pid ' + pid.trim()); process.exit(3); })`;
    const result = await runCli(['run', '--up', '--', process.execPath, '-e', script], dir);
    expect(result.code, result.stderr).toBe(3);
    const servicePid = Number(/^web pid (\d+)$/m.exec(result.stdout)?.[1]);
    expect(servicePid).toBeGreaterThan(0);
    expect(result.stderr).toMatch(new RegExp(`^web \\| ready on port ${port}$`, 'm'));
    expect(isAlive(servicePid)).toBe(false);
    expect(processesIn([dir])).toEqual([]);
    const ports = await runCli(['ports'], dir);
    expect([ports.code, ports.stderr.trim()]).toEqual([1, `devsup is not running in ${dir}`]);
  });

  it('--up exits 1 naming a service that will not be ready, without running the command, and stops what it started', async () => {
    const port = await findFreePorts(2);
    const bad = ['  bad:', `    command: ${fixtureArgv('crash-after.mjs', 0, 3)}`, `    port: ${port + 1}`, '    restart: never'];
    const { dir } = session.project({ 'services.yaml': manifest(web(port), bad) });
    session.expectBackground(dir);
    const result = await runCli(['run', '--up', '--', process.execPath, '-e', "console.log('the command ran')"], dir);
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain('the command ran');
    expect(result.stderr).toContain('bad will not be ready: crashed (exited with code 3).');
    expect(result.stderr).toContain('devsup stopped what it had started for the command; the command did not run.');
    expect(processesIn([dir])).toEqual([]);
  });

  it('--up with an instance already up leaves it up, and stops only the services it started', async () => {
    const port = await findFreePorts(2);
    const extra = ['  extra:', `    command: ${fixtureArgv('http-server.mjs')}`, `    port: ${port + 1}`, '    autostart: false'];
    const { dir } = session.project({ 'services.yaml': manifest(web(port), extra) });
    session.up(dir);
    const before = await session.waitForPorts(dir, 'web ready', (report) => report.services[0]?.status === 'ready');

    const script = `fetch('http://127.0.0.1:${port + 1}/').then((r) => r.text()).then((pid) => console.log('extra pid ' + pid.trim()))`;
    const result = await runCli(['run', '--up', 'extra', '--', process.execPath, '-e', script], dir);
    expect(result.code, result.stderr).toBe(0);
    const extraPid = Number(/^extra pid (\d+)$/m.exec(result.stdout)?.[1]);
    session.track(extraPid);

    const after = await session.waitForPorts(dir, 'extra stopped again', (report) => report.services[1]?.status === 'stopped');
    expect(after.pid).toBe(before.pid);
    expect(after.services[0]).toMatchObject({ status: 'ready', pid: before.services[0]!.pid });
    expect(isAlive(extraPid)).toBe(false);
  });

  it("gives the command the running instance's ports, URLs and top-level env", async () => {
    const port = await findFreePorts(2);
    await session.holdPort(port, '0.0.0.0'); // web falls back to another port
    const { dir } = session.project({ 'services.yaml': `env:\n  GREETING: hello\n${manifest(web(port))}` });
    session.up(dir);
    await session.waitForPorts(dir, 'web ready', (report) => report.services[0]?.status === 'ready');
    const given = (await runCli(['port', 'web'], dir)).stdout.trim();
    expect(given).not.toBe(String(port));

    const result = await runCli(['run', process.execPath, '-e', printEnv], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(`${given} http://localhost:${given} hello`);
  });

  it('gives the ports up would give now when no instance runs, and starts nothing', async () => {
    const port = await findFreePorts(2);
    await session.holdPort(port, '0.0.0.0');
    const { dir } = session.project({ 'services.yaml': `env:\n  GREETING: hello\n${manifest(web(port))}` });
    const check = await runCli(['check'], dir);
    const planned = new RegExp(`^web +(\\d+) +${port} +fallback`, 'm').exec(check.stdout)?.[1];
    expect(planned, check.stdout).toBe(String(port + 1));

    const result = await runCli(['run', process.execPath, '-e', printEnv], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(`${planned} http://localhost:${planned} hello`);
    expect(existsSync(path.join(dir, '.devsup'))).toBe(false);
  });

  it('on Ctrl-C stops the command, then the stack it started', async () => {
    const port = await findFreePorts(1);
    const { dir } = session.project({ 'services.yaml': manifest(web(port)) });
    session.expectBackground(dir);
    const script = "console.log('command pid ' + process.pid); setInterval(() => {}, 1 << 30)";
    const run = startCli(['run', '--up', '--', process.execPath, '-e', script], dir, {}, { detached: true });
    const [, commandPid] = await run.waitForOutput(/^command pid (\d+)$/m, 30_000);
    session.track(Number(commandPid));
    const report = await session.portsJson(dir);

    session.interrupt(run);
    expect((await exitWithin(run, 20_000, 'devsup run ends after Ctrl-C')).code).toBe(130);
    expect(isAlive(Number(commandPid))).toBe(false);
    await waitFor(() => !isAlive(report.pid) && !isAlive(report.services[0]!.pid!), { what: 'the stack gone', timeoutMs: 5_000 });
    expect(processesIn([dir])).toEqual([]);
  });

  it("--scale without an instance plans every replica; with one, the instance's replicas count, and another count is refused", async () => {
    const port = await findFreePorts(3);
    const { dir } = session.project({ 'services.yaml': manifest(web(port)) });
    const printPorts = "console.log(process.env.DEVSUP_WEB_PORTS + ' ' + process.env.DEVSUP_WEB_2_PORT)";
    const planned = await runCli(['run', '--scale', 'web=3', '--', process.execPath, '-e', printPorts], dir);
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stdout.trim()).toBe(`${port},${port + 1},${port + 2} ${port + 1}`);
    expect(existsSync(path.join(dir, '.devsup'))).toBe(false);

    // An instance started with --scale: the manifest alone does not say it has replicas.
    session.up(dir, ['--scale', 'web=2']);
    await session.waitForPorts(dir, 'two replicas ready', (report) => report.services.filter((service) => service.status === 'ready').length === 2);
    const running = await runCli(['run', process.execPath, '-e', printPorts], dir);
    expect(running.code, running.stderr).toBe(0);
    expect(running.stdout.trim()).toBe(`${port},${port + 1} ${port + 1}`);
    expect((await runCli(['run', '--scale', 'web=2', '--', process.execPath, '-e', printPorts], dir)).code).toBe(0);
    const other = await runCli(['run', '--scale', 'web=3', '--', process.execPath, '-e', printPorts], dir);
    expect(other).toMatchObject({ code: 2, stdout: '' });
    expect(other.stderr).toContain('--scale web=3: the running instance has 2 replicas of web');
    expect(other.stderr).toContain('devsup scale web=3');
  });

  it('--up with --profile or DEVSUP_PROFILES also starts the services of those profiles for the command', async () => {
    const port = await findFreePorts(2);
    const debuggerService = ['  debugger:', `    command: ${fixtureArgv('http-server.mjs')}`, `    port: ${port + 1}`, '    profiles: [debug]'];
    const { dir } = session.project({ 'services.yaml': manifest(web(port), debuggerService) });
    session.expectBackground(dir);
    const script = "fetch(process.env.DEVSUP_DEBUGGER_URL).then(() => console.log('debugger up'), () => console.log('debugger down'))";
    const byOption = await runCli(['run', '--up', '--profile', 'debug', '--', process.execPath, '-e', script], dir);
    expect(byOption.code, byOption.stderr).toBe(0);
    expect(byOption.stdout.trim()).toBe('debugger up');
    const byEnv = await runCli(['run', '--up', '--', process.execPath, '-e', script], dir, { DEVSUP_PROFILES: 'debug' });
    expect(byEnv.code, byEnv.stderr).toBe(0);
    expect(byEnv.stdout.trim()).toBe('debugger up');
    const without = await runCli(['run', '--up', '--', process.execPath, '-e', script], dir);
    expect(without.code, without.stderr).toBe(0);
    expect(without.stdout.trim()).toBe('debugger down');
    expect(processesIn([dir])).toEqual([]);
  });
});
