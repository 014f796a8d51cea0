import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin, fixtureArgv, watchdogOf } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { runCli } from '../helpers/run-cli.js';
import { processStartTime } from '../../src/ports/process-identity.js';

const session = new E2ESession();
const folders: string[] = [];
const strangers: number[] = [];
afterEach(async () => {
  for (const pid of strangers.splice(0)) process.kill(pid, 'SIGKILL');
  await session.cleanup();
  folders.splice(0).forEach((folder) => rmSync(folder, { recursive: true, force: true }));
});

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

interface InstanceJson {
  project: string;
  manifest: string | null;
  pid: number;
  user: string;
  own: boolean;
  source: string;
  detached: boolean | null;
  startedAt: string | null;
  uptimeSeconds: number | null;
  services: { ready: number; total: number } | null;
  ports: { service: string; name: string | null; port: number }[];
}

/**
 * Runtime folders (where instances list themselves: XDG_RUNTIME_DIR's, and the temp folder's) and a
 * lease folder of this test's own, so no instance of another test running meanwhile shows.
 */
function isolatedEnv(): NodeJS.ProcessEnv {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'devsup-ls-'));
  folders.push(dir);
  for (const folder of ['run', 'tmp']) mkdirSync(path.join(dir, folder), { mode: 0o700 });
  return { XDG_RUNTIME_DIR: path.join(dir, 'run'), TMPDIR: path.join(dir, 'tmp'), DEVSUP_LEASE_DIR: path.join(dir, 'leases') };
}

/** A project `name` whose one service `web` listens on `port`, running under `devsup up`. */
async function startProject(name: string, port: number, env: NodeJS.ProcessEnv) {
  const { dir } = session.project({
    'services.yaml': [`project: ${name}`, 'services:', '  web:', `    command: ${fixtureArgv('http-server.mjs')}`, `    port: ${port}`, ''].join(
      '\n',
    ),
  });
  const up = session.up(dir, [], env);
  const report = await session.waitForPorts(dir, `${name} ready`, (r) => r.services[0]?.status === 'ready');
  return { dir, up, manifest: path.join(dir, 'services.yaml'), pid: report.pid };
}

async function lsJson(env: NodeJS.ProcessEnv): Promise<InstanceJson[]> {
  const result = await runCli(['ls', '--json'], os.tmpdir(), env);
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { instances: InstanceJson[] }).instances;
}

describe('devsup ls', () => {
  it('lists instances of two folders, from anywhere; drops one after its down and one killed with its watchdog, at once', async () => {
    const env = isolatedEnv();
    const portA = await findFreePorts(2);
    const portB = portA + 1;
    const a = await startProject('alpha', portA, env);
    const b = await startProject('beta', portB, env);
    // This test's instances alone: the machine's other users may run some too.
    const mine = (instances: InstanceJson[]) => instances.filter((instance) => instance.own);

    const listed = mine(await lsJson(env));
    expect(listed).toEqual([
      {
        project: 'alpha',
        manifest: a.manifest,
        pid: a.pid,
        user: os.userInfo().username,
        own: true,
        source: 'registry',
        detached: false,
        startedAt: expect.any(String) as string,
        uptimeSeconds: expect.any(Number) as number,
        services: { ready: 1, total: 1 },
        ports: [{ service: 'web', name: 'default', port: portA }],
      },
      expect.objectContaining({ project: 'beta', manifest: b.manifest, pid: b.pid, services: { ready: 1, total: 1 } }),
    ]);
    expect(Date.now() - Date.parse(listed[0]!.startedAt!)).toBeLessThan(60_000);

    const text = await runCli(['ls'], a.dir, env);
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toMatch(/^PROJECT +PID +USER +MODE +UPTIME +READY +PORTS +MANIFEST$/);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^alpha +${a.pid} +\\S+ +foreground +\\d+s +1/1 +web ${portA} +${a.manifest}$`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^beta +${b.pid} +\\S+ +foreground +\\d+s +1/1 +web ${portB} +${b.manifest}$`)));

    expect((await runCli(['down'], a.dir)).code).toBe(0);
    await exitWithin(a.up, 10_000);
    expect(mine(await lsJson(env)).map((instance) => instance.project)).toEqual(['beta']);

    const watchdog = watchdogOf(b.pid);
    expect(watchdog).toBeDefined();
    process.kill(watchdog!, 'SIGKILL');
    process.kill(b.pid, 'SIGKILL');
    await exitWithin(b.up, 5_000, 'devsup dies');
    expect(mine(await lsJson(env))).toEqual([]);
    // The killed instance's entry is gone from its registry folder too, and its leases count for nothing.
    expect(readdirSync(path.join(env.XDG_RUNTIME_DIR!, 'devsup', 'instances'))).toEqual([]);
    expect((await runCli(['ls'], b.dir, env)).stdout).not.toContain(b.manifest);
  });

  it('says when none runs; takes no arguments', async () => {
    const env = isolatedEnv();
    expect(await runCli(['ls'], os.tmpdir(), env)).toEqual({ code: 0, stdout: 'no devsup instance runs on this machine\n', stderr: '' });
    expect(await lsJson(env)).toEqual([]);
    const others = await runCli(['ls', 'extra'], os.tmpdir(), env);
    expect(others.code).toBe(2);
    expect(others.stderr).toBe('devsup ls takes no arguments.\nUsage: devsup ls [--json]\n');
  });

  it.runIf(asRoot)("lists another user's instance as far as its lease files tell: project, ports, user", async () => {
    const env = isolatedEnv();
    const port = await findFreePorts(1);
    // Another user's devsup: a process of nobody's, with a lease file of nobody's in the shared folder.
    const stranger = spawn(process.execPath, ['-e', "console.log('up'); setInterval(() => {}, 1 << 30)"], {
      uid: NOBODY,
      gid: NOBODY,
      cwd: '/',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    strangers.push(stranger.pid!);
    await once(stranger.stdout, 'data');
    const leases = env.DEVSUP_LEASE_DIR!;
    mkdirSync(leases, { mode: 0o1777 });
    const lease = {
      port,
      pid: stranger.pid,
      startTime: processStartTime(stranger.pid!),
      project: 'their-shop',
      service: 'api',
      manifest: '/home/them/shop/services.yaml',
      createdAt: new Date().toISOString(),
    };
    const file = path.join(leases, `${port}-${NOBODY}.lease`);
    writeFileSync(file, JSON.stringify(lease), { mode: 0o644 });
    chownSync(file, NOBODY, NOBODY);

    const theirs = (await lsJson(env)).filter((instance) => instance.pid === stranger.pid);
    expect(theirs).toEqual([
      {
        project: 'their-shop',
        manifest: '/home/them/shop/services.yaml',
        pid: stranger.pid,
        user: 'nobody',
        own: false,
        source: 'leases',
        detached: null,
        startedAt: null,
        uptimeSeconds: null,
        services: null,
        ports: [{ service: 'api', name: null, port }],
      },
    ]);
    const text = await runCli(['ls'], os.tmpdir(), env);
    expect(text.stdout).toMatch(
      new RegExp(`^their-shop +${stranger.pid} +nobody +other user +- +- +api ${port} +/home/them/shop/services.yaml$`, 'm'),
    );
  });
});
