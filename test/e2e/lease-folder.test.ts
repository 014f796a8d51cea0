import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { E2ESession, exitWithin, fixtureArgv, type PortsJson } from '../helpers/e2e-session.js';
import { findFreePorts } from '../helpers/free-port.js';
import { CLI, runCli } from '../helpers/run-cli.js';

const session = new E2ESession();
const folders: string[] = [];
afterEach(async () => {
  await session.cleanup();
  folders.splice(0).forEach((folder) => rmSync(folder, { recursive: true, force: true }));
});

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
const uid = process.getuid!();

function tempFolder(): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'devsup-leasedir-'));
  folders.push(folder);
  return folder;
}

function manifest(project: string, port: number): string {
  return [`project: ${project}`, 'services:', '  web:', `    command: ${fixtureArgv('http-server.mjs')}`, `    port: ${port}`, ''].join('\n');
}

const webIs = (status: string) => (report: PortsJson) => report.services[0]?.status === status;

/** Runs the built CLI as another user, in `cwd`; resolves with its exit and output. */
function runAs(user: number, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    uid: user,
    gid: user,
    env: { ...process.env, NO_COLOR: '1', HOME: cwd, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('the lease folder', () => {
  it('when it is a symlink, both instances say so and lease in a per-user folder: a stopped service keeps its port', async () => {
    const root = tempFolder();
    const link = path.join(root, 'ports');
    mkdirSync(path.join(root, 'real'));
    symlinkSync(path.join(root, 'real'), link);
    const env = { DEVSUP_LEASE_DIR: link };
    const personal = `${link}-${uid}`;
    const warning = `devsup: ${link} is a symlink owned by uid ${uid}: cross-user port leases are off (this user's instances lease in ${personal}); remove it, or set DEVSUP_LEASE_DIR.`;
    const port = await findFreePorts(2);

    const a = session.project({ 'services.yaml': manifest('first', port) });
    const upA = session.up(a.dir, [], env);
    await session.waitForPorts(a.dir, 'first ready', webIs('ready'));
    expect(upA.stderr()).toContain(warning);
    expect(upA.stderr().split(warning)).toHaveLength(2); // once
    expect((await runCli(['stop', 'web'], a.dir)).code).toBe(0);
    await session.waitForPorts(a.dir, 'web stopped', webIs('stopped'));

    const b = session.project({ 'services.yaml': manifest('second', port) });
    const upB = session.up(b.dir, [], env);
    const reportB = await session.waitForPorts(b.dir, 'second ready', webIs('ready'));
    expect(reportB.services[0]).toMatchObject({ preferred: port, port: port + 1 });
    expect(upB.stderr()).toContain(warning);
    expect(upB.stderr()).toContain(
      `port ${port} is leased by devsup pid ${upA.child.pid} for project first (service web); using ${port + 1} instead.`,
    );
    expect(readdirSync(path.join(root, 'real'))).toEqual([]);
    expect(statSync(personal).mode & 0o7777).toBe(0o700);

    for (const up of [upA, upB]) session.interrupt(up);
    for (const up of [upA, upB]) expect((await exitWithin(up, 15_000)).code).toBe(0);
    expect(readdirSync(personal)).toEqual([]);
  });

  describe.runIf(asRoot)('of another user (as root)', () => {
    it('that is not writable by the user makes `check` and `who` say so, and lease in a per-user folder', async () => {
      const root = tempFolder();
      chmodSync(root, 0o1777); // the per-user folder is made beside it, by nobody
      const shared = path.join(root, 'ports');
      mkdirSync(shared, { mode: 0o755 }); // root's, 0755: nobody may not write there
      const { dir } = session.project({ 'services.yaml': manifest('third', await findFreePorts(1)) });
      chmodSync(dir, 0o755);
      const env = { DEVSUP_LEASE_DIR: shared };
      const warning = `devsup: ${shared} is not writable by you (owned by uid 0, mode 0755): cross-user port leases are off (this user's instances lease in ${shared}-${NOBODY}); have its owner make it shared (chmod 1777), or set DEVSUP_LEASE_DIR.`;

      const check = await runAs(NOBODY, ['check'], dir, env);
      expect(check.code, check.stderr).toBe(0);
      expect(check.stderr).toBe(`${warning}\n`);
      const who = await runAs(NOBODY, ['who', String(await findFreePorts(1))], dir, env);
      expect(who.code).toBe(1); // free
      expect(who.stderr).toBe(`${warning}\n`);
      expect(statSync(`${shared}-${NOBODY}`).uid).toBe(NOBODY);
      expect(statSync(`${shared}-${NOBODY}`).mode & 0o7777).toBe(0o700);
    });
  });
});
